"""`run.py audit`: prints a chat's history for an auditor, from the event store
and the audit index, without starting a server (it only reads)."""

import csv
import json
import sys
from datetime import datetime, timezone

from messenger.audit import Auditor, UnknownChatError
from messenger.config import Config
from messenger.store import audit_view_class, open_view, store_env
from domain.application import Messenger
from projections.audit import AuditProjection


def audit_command(config: Config, args) -> int:
    env = store_env(config)
    app = Messenger(env)
    view = open_view(env, AuditProjection.name, audit_view_class(config))
    auditor = Auditor(app, view)
    try:
        return _run(auditor, args)
    except UnknownChatError as error:
        print(f"audit: no chat {error} in the audit index", file=sys.stderr)
        return 1
    finally:
        view.datastore.close()
        app.close()


def _run(auditor: Auditor, args) -> int:
    target = args.target
    if args.user:
        for chat_id in auditor.chats_of(args.user):
            print(chat_id)
        return 0
    if target[:1] == ["verify"]:
        problems = auditor.verify(target[1] if len(target) > 1 else None)
        for problem in problems:
            print(problem)
        print("verified: no event changed, removed or reordered" if not problems
              else f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1 if problems else 0
    if len(target) != 1:
        print("audit: give one CHAT_ID, `verify [CHAT_ID]` or --user USER_ID", file=sys.stderr)
        return 2
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            print(f"audit: --at {args.at!r} is not an ISO-8601 time", file=sys.stderr)
            return 2
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        records = auditor.as_at(target[0], moment)
    else:
        records = auditor.events(target[0])
    _print(records, args.format)
    return 0


def _print(records, form: str) -> None:
    writer = csv.writer(sys.stdout) if form == "csv" else None
    if writer:
        writer.writerow(["event_id", "type", "actor", "at", "fields"])
    for record in records:
        if form == "jsonl":
            print(json.dumps(record, ensure_ascii=False))
        elif writer:
            fields = {k: v for k, v in record.items()
                      if k not in ("event_id", "type", "actor", "at")}
            writer.writerow([record.get("event_id", ""), record.get("type", ""),
                             record.get("actor", ""), record.get("at", ""),
                             json.dumps(fields, ensure_ascii=False)])
        else:
            print(_line(record))


def _line(record: dict) -> str:
    if "type" not in record:  # the chat, or a message, as it stood at a moment
        return "  ".join(f"{key}={value}" for key, value in record.items())
    fields = {k: v for k, v in record.items() if k not in ("event_id", "type", "actor", "at", "seq")}
    shown = " ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    return f"#{record['event_id']} {record['at']} {record['actor'] or '-'} {record['type']} {shown}"
