"""`run.py audit`: prints a chat's history for an auditor, from the event store
and the audit index, without starting a server (it only reads)."""

import csv
import json
import os
import signal
import sys

from domain.application import Messenger
from messenger.audit.auditor import Auditor, BadMomentError, UnknownChatError, moment_of
from messenger.config import Config
from messenger.progress import Progress
from messenger.store.store import open_view, view_class, store_env
from projections.audit import AuditProjection

EVENT_COLUMNS = ("event_id", "type", "actor", "at")
CHAT_COLUMNS = ("chat_id", "kind", "name", "deleted", "member")
SIGPIPE_EXIT = 128 + signal.SIGPIPE  # what a shell reports for a tool the reader left


class UsageError(ValueError):
    pass


def audit_command(config: Config, args) -> int:
    env = store_env(config)
    app = Messenger(env)
    view = open_view(env, AuditProjection.name, view_class(config, "audit"))
    auditor = Auditor(app, view)
    try:
        return _run(auditor, args)
    except UsageError as error:
        return _fail(f"audit: {error}", 2)
    except BadMomentError as error:
        return _fail(f"audit: --at {error}", 2)
    except UnknownChatError as error:
        return _fail(f"audit: no chat {error} in the audit index", 1)
    except BrokenPipeError:
        # The reader stopped (`audit … | head`): stop too, quietly, as other
        # tools do; stdout goes nowhere so the final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT
    finally:
        view.datastore.close()
        app.close()


def _fail(line: str, code: int) -> int:
    print(line, file=sys.stderr)
    return code


def _run(auditor: Auditor, args) -> int:
    target = args.target
    if args.user:
        if target:
            raise UsageError("--user lists a user's chats and takes no CHAT_ID or `verify`;"
                             " audit the chat without --user")
        if args.at:
            raise UsageError("--at is for one chat: run.py audit CHAT_ID --at TIME")
        return _user(auditor, args.user, args.format)
    if target[:1] == ["verify"]:
        if len(target) > 2 or args.at:
            raise UsageError("verify takes at most one CHAT_ID, and no --at")
        return _verify(auditor, target[1] if len(target) > 1 else None)
    if len(target) != 1:
        raise UsageError("give one CHAT_ID, `verify [CHAT_ID]` or --user USER_ID")
    chat_id = target[0]
    moment = moment_of(args.at) if args.at else None
    # On a terminal the lines themselves show how far it got; a progress line
    # is for output that goes to a file or a pipe.
    shown = not sys.stdout.isatty()
    if moment is None:
        records, readings = auditor.events(chat_id), 1
    else:
        records, readings = auditor.as_at(chat_id, moment), 2  # it reads the chain twice
    with Progress("auditing", readings * auditor.count(chat_id), shown=shown) as progress:
        auditor.on_read = progress.advance
        _print(records, args.format)
    return 0


def _verify(auditor: Auditor, chat_id: str | None) -> int:
    with Progress("verifying", auditor.count(chat_id)) as progress:
        auditor.on_read = progress.advance
        verification = auditor.verification(chat_id)
    for problem in verification.problems:
        print(problem)
    sys.stdout.flush()
    checked = f"{_many(verification.events, 'event')} in {_many(verification.chats, 'chat')}"
    problems = len(verification.problems)
    print(f"verified {checked}: none changed, removed or reordered" if not problems
          else f"verified {checked}: {_many(problems, 'problem')} found", file=sys.stderr)
    return 1 if problems else 0


def _user(auditor: Auditor, user_id: str, form: str) -> int:
    chats = auditor.chats_described(user_id)
    first = next(chats, None)
    if first is None:
        return _fail(f"audit: unknown user {user_id}: no chat of theirs is in the audit index", 1)
    writer = csv.writer(sys.stdout) if form == "csv" else None
    if writer:
        writer.writerow(CHAT_COLUMNS)
    for chat in [first, *chats]:
        if form == "jsonl":
            print(json.dumps(chat, ensure_ascii=False))
        elif writer:
            writer.writerow([chat[column] for column in CHAT_COLUMNS])
        else:
            status = (" (deleted)" if chat["deleted"]
                      else "" if chat["member"] else " (no longer a member)")
            print(f"{chat['chat_id']}  {chat['kind']:<15}  {_one_line(chat['name'])}{status}")
    sys.stdout.flush()
    return 0


def _print(records, form: str) -> None:
    writer = csv.writer(sys.stdout) if form == "csv" else None
    if writer:
        writer.writerow(["event_id", "type", "actor", "at", "fields"])
    for record in records:
        if form == "jsonl":
            print(json.dumps(record, ensure_ascii=False))
        elif writer:
            fields = {k: v for k, v in record.items() if k not in EVENT_COLUMNS}
            writer.writerow([record.get("event_id", ""), record.get("type", ""),
                             record.get("actor", ""), record.get("at", ""),
                             json.dumps(fields, ensure_ascii=False)])
        elif "type" in record:
            print(_line(record))
        else:  # the chat, or a message, as it stood at a moment
            print(_block(record))
    sys.stdout.flush()  # here, so that a reader gone away is noticed here


def _line(record: dict) -> str:
    fields = {k: v for k, v in record.items() if k not in (*EVENT_COLUMNS, "seq")}
    shown = " ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    return f"#{record['event_id']} {record['at']} {record['actor'] or '-'} {record['type']} {shown}"


def _block(record: dict) -> str:
    """A heading, then one field a line; the lines of a multi-line text stay
    indented under its first, so no content can pass for a field or a heading."""
    if "message_id" in record:
        heading, fields = f"message {record['message_id']}", dict(record)
        del fields["message_id"]
    else:
        heading, fields = f"chat {record['chat_id']} as it stood at {record['at']}", dict(record)
        del fields["chat_id"], fields["at"]
    width = max(map(len, fields), default=0)
    lines = [heading]
    for key, value in fields.items():
        first, *more = _plain(value).splitlines() or [""]
        lines.append(f"  {key:<{width}}  {first}")
        lines.extend(" " * (width + 4) + line for line in more)
    return "\n".join(lines)


def _plain(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(json.dumps(item, ensure_ascii=False) if isinstance(item, dict)
                         else str(item) for item in value) if value else "none"
    if value is None or value == "":
        return "-"
    return str(value)


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()) or "-"


def _many(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
