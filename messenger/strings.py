"""One rule for every string that comes in (WebSocket frames, the service API,
Telegram updates, tokens), the same on both stores: what PostgreSQL text
cannot hold (NUL) or UTF-8 cannot encode (lone surrogates) is refused, with the
field named, before anything is stored. Other control characters are removed
from one-line text (names) and from messages, except tabs and line breaks."""

import json
import unicodedata
from typing import Any

import orjson

MAX_ID_CHARS = 128
MAX_NAME_CHARS = 200
MAX_DEPTH = 32  # JSON nesting; no request of ours needs more than four
MAX_REQUEST_ID_CHARS = 128
KEPT_IN_CONTENT = frozenset("\t\n\r")
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


class InvalidInputError(ValueError):
    def __init__(self, field: str, problem: str):
        self.field = field
        super().__init__(f"'{field}' {problem}" if field else problem)


def loads(text: str | bytes, root: str = "") -> Any:
    """Strict JSON: no NaN or Infinity, nesting within MAX_DEPTH, every string
    (keys too) storable. Raises InvalidInputError naming what is wrong; with
    no field named, its message reads after "body" or "frame"."""
    document = parse_json(text)
    check_document(document, root)
    return document


def parse_json(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)  # refuses NaN, Infinity and lone surrogates itself
    except orjson.JSONDecodeError:
        pass  # told apart, and named, by the standard parser below
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise InvalidInputError("", "is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInputError("", "is not valid JSON") from None


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def check_document(document: Any, root: str = "") -> None:
    """Walks a parsed document without recursion (a hostile one may be deep)."""
    pending = [(document, root, 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise InvalidInputError(root, f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            check_storable(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                check_storable(key, path)
                pending.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{path}[{n}]", depth + 1) for n, item in enumerate(value))


def check_storable(value: str, field: str) -> str:
    if "\x00" in value:
        raise InvalidInputError(field, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(field, "must not contain lone surrogates") from None
    return value


def one_line(value: str, field: str, max_chars: int = MAX_NAME_CHARS) -> str:
    """A name: line breaks and tabs become spaces, other control characters
    go, and the result is trimmed and capped, so it can head a post or a push
    without forging a line of its own."""
    check_storable(value, field)
    kept = "".join(" " if char in LINE_BREAKS or char == "\t" else char
                   for char in value if char in LINE_BREAKS or char == "\t" or not _control(char))
    kept = kept.strip()
    if len(kept) > max_chars:
        raise InvalidInputError(field, f"is longer than {max_chars} characters")
    return kept


def content(value: str, field: str = "content") -> str:
    """A message: tabs and line breaks stay, other control characters go."""
    check_storable(value, field)
    return "".join(char for char in value if char in KEPT_IN_CONTENT or not _control(char))


def identifier(value: Any, field: str) -> str:
    """An id (user, event, client message): 1 to MAX_ID_CHARS characters,
    none of them a space, a control, format or unassigned character."""
    if not isinstance(value, str) or not value:
        raise InvalidInputError(field, "must be a non-empty string")
    check_storable(value, field)
    if len(value) > MAX_ID_CHARS:
        raise InvalidInputError(field, f"is longer than {MAX_ID_CHARS} characters")
    if any(unicodedata.category(char)[0] in "ZC" for char in value):
        raise InvalidInputError(field, "must not contain spaces or control characters")
    return value


def request_id(value: Any) -> Any:
    """What a reply may echo: a short one-line string or a number; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and len(value) <= MAX_REQUEST_ID_CHARS:
        try:
            check_storable(value, "request_id")
        except InvalidInputError:
            return None
        if not any(_control(char) for char in value):
            return value
    return None


def loggable(value: Any, max_chars: int = 40) -> str:
    """A client's value fit for one log line: no line breaks to forge another."""
    return "".join(char if char.isprintable() else "?" for char in str(value)[:max_chars])


def _control(char: str) -> bool:
    return unicodedata.category(char) == "Cc"
