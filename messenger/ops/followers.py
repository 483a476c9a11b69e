"""`run.py followers`: where each follower of the events is and what it is
stuck on, read from the database, so it works beside a running server. An
operator gets a follower past a stuck event with `retry NAME` (the leader
tries again within a second, instead of at the end of its pause) or, for a
side effect, `skip NAME POSITION --by OPERATOR`: recorded as an event, so the
chat's audit shows who skipped what, and the leader passes over it."""

import argparse
import json
import sys
import uuid

from domain.application import Messenger
from messenger import config as settings
from messenger.followers.status import NAMES, SKIPPABLE, FollowerStatus, status_of
from messenger.store.store import open_view, store_env, view_class
from messenger.strings import InvalidInputError, identifier, one_line
from messenger.telegram.bridge import is_configured as telegram_is_configured
from projections.audit import chat_of
from projections.audit_view import stored_event
from projections.failures import Failures

MAX_REASON_CHARS = 1000

PROJECTIONS = {name: projection for projection, name in NAMES.items()}


def add_parser(commands) -> None:
    followers = commands.add_parser(
        "followers", help="the followers of the events: where each is, what one is stuck on",
        description="run.py followers [--format text|jsonl]; run.py followers retry NAME; "
                    "run.py followers skip NAME POSITION --by OPERATOR [--reason TEXT]")
    followers.add_argument("--format", choices=("text", "jsonl"), default="text")
    followers.add_argument("--config", default=settings.DEFAULT_CONFIG)
    actions = followers.add_subparsers(dest="action")
    retry = actions.add_parser("retry", help="the leader tries the stuck event again now")
    retry.add_argument("name", choices=tuple(NAMES.values()))
    skip = actions.add_parser("skip", help="a side effect passes over the event it is stuck"
                                           " on (recorded, with who and why)")
    skip.add_argument("name", choices=tuple(NAMES.values()))
    skip.add_argument("position", type=int)
    skip.add_argument("--by", required=True, help="who decides it (shown in the chat's audit)")
    skip.add_argument("--reason", default="")
    for action in (retry, skip):
        # SUPPRESS: a --config given before the action is not reset by this one's default.
        action.add_argument("--config", default=argparse.SUPPRESS)


def followers_command(config: settings.Config, args) -> int:
    if args.action == "skip" and args.name not in SKIPPABLE:
        print(f"followers: {args.name} cannot skip an event: its view must follow every event."
              f" Fix the cause, then `run.py followers retry {args.name}`", file=sys.stderr)
        return 2
    env = store_env(config)
    app = Messenger(env)
    views = {}
    try:
        for name, view_class_of in _view_classes(config).items():
            views[name] = open_view(env, PROJECTIONS[name], view_class_of)
        head = app.recorder.max_notification_id() or 0
        if args.action is None:
            _list([status_of(name, view, head) for name, view in views.items()],
                  [name for name in NAMES.values() if name not in views], args.format)
            return 0
        if args.name not in views:
            print(f"followers: {args.name} is off in {config.source}", file=sys.stderr)
            return 2
        status = status_of(args.name, views[args.name], head)
        if args.action == "retry":
            return _retry(status, Failures(views[args.name]))
        return _skip(app, status, Failures(views[args.name]), args)
    finally:
        for view in views.values():
            view.datastore.close()
        app.close()


def _view_classes(config: settings.Config) -> dict[str, type]:
    """The followers this configuration runs, with their views' classes."""
    names = ["audit"]  # the inbox is written with the events
    if config.apns_key_file or config.fcm_service_account_file:
        names.append("push")
    if telegram_is_configured(config):
        names.append("telegram")
    return {name: view_class(config, name) for name in names}


def _retry(status: FollowerStatus, failures: Failures) -> int:
    if status.failure is None or not failures.request_retry(status.name):
        print(f"followers: {status.name} is not stuck", file=sys.stderr)
        return 1
    position = status.failure.position
    what = f"event {position}" if position is not None else "to follow"
    print(f"{status.name}: the leader tries {what} again within a second")
    return 0


def _skip(app: Messenger, status: FollowerStatus, failures: Failures, args) -> int:
    failure = status.failure
    if failure is None or failure.position != args.position:
        where = f"stuck at event {failure.position}" if failure else "not stuck"
        print(f"followers: {status.name} is not stuck at event {args.position} (it is {where})",
              file=sys.stderr)
        return 1
    try:  # the same rule as every other id and text that reaches the store
        by = identifier(args.by.strip(), "--by")
        reason = one_line(args.reason, "--reason", max_chars=MAX_REASON_CHARS)
    except InvalidInputError as error:
        print(f"followers: {error} (--by names who skips it)", file=sys.stderr)
        return 2
    app.skip_event(status.name, args.position, failure.event_type,
                   _chat_of(app, args.position), by, reason)
    failures.request_retry(status.name)
    print(f"{status.name}: event {args.position} ({failure.event_type}) skipped by {by}; the"
          f" leader passes over it within a second")
    return 0


def _chat_of(app: Messenger, position: int) -> uuid.UUID | None:
    """The chat whose audit shows the skip, if the event is a chat's."""
    stored = stored_event(app.recorder, position)
    try:
        chat_id = chat_of(app.mapper.to_domain_event(stored)) if stored else None
    except Exception:
        return None  # the event cannot even be read: it belongs to no chat we can tell
    return uuid.UUID(chat_id) if chat_id else None


def _list(statuses: list[FollowerStatus], off: list[str], form: str) -> None:
    for status in statuses:
        if form == "jsonl":
            print(json.dumps(status.as_json(), ensure_ascii=False))
            continue
        failure = status.failure
        state = "ok" if failure is None else f"STUCK since {failure.since}"
        print(f"{status.name:<9} at {status.position} of {status.head}, {status.behind} behind:"
              f" {state}")
        if failure is not None:
            event = (f"event {failure.position} ({failure.event_type})"
                     if failure.position is not None else "before reaching an event")
            print(f"  {event}, {failure.attempts} failed attempts, last at {failure.last_at}")
            print(f"  error: {failure.error}")
            print(f"  run.py followers retry {status.name}" + (
                f"  |  run.py followers skip {status.name} {failure.position} --by YOU"
                f" --reason WHY" if status.name in SKIPPABLE and failure.position else ""))
    for name in off:
        if form == "jsonl":
            print(json.dumps({"follower": name, "off": True}))
        else:
            print(f"{name:<9} off")
