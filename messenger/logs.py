"""Logging: readable lines in development, one JSON object per line in
production, each with the id of the request it belongs to. Messages and
tokens are never logged: only ids, types and counts."""

import json
import logging
import sys
from contextvars import ContextVar
from datetime import datetime, timezone

# "<connection>:<request_id>" for a WebSocket request; "-" outside one.
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
FORMATS = ("text", "json")


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup(format: str = "text", level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_RequestId())
    handler.setFormatter(JsonFormatter() if format == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
