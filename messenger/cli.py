import argparse
import asyncio
import signal
import sys

import uvloop

from messenger import collector, config as settings, logs
from messenger.ops.audit import audit_command
from messenger.auth import Tokens
from messenger.ops import followers as followers_cli
from messenger.server import MessengerServer
from messenger.store.database_check import DatabaseUnusableError, check as check_database
from messenger.ops.rebuild import rebuild_command
from messenger.strings import InvalidInputError, identifier, one_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description="Messenger server")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve WebSocket clients")
    serve.add_argument("--config", default=settings.DEFAULT_CONFIG)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)

    token = commands.add_parser("token", help="print a signed client token")
    token.add_argument("user_id")
    token.add_argument("--name", default="")
    token.add_argument("--ttl", type=int, help="seconds until it expires (default: never)")
    token.add_argument("--config", default=settings.DEFAULT_CONFIG)

    check = commands.add_parser("check-config",
                                help="validate a config and the environment, then exit")
    check.add_argument("--config", default=settings.DEFAULT_CONFIG)

    rebuild = commands.add_parser("rebuild-projections",
                                  help="rebuild the read models from the event store "
                                       "(stop the servers first)")
    rebuild.add_argument("--config", default=settings.DEFAULT_CONFIG)

    audit = commands.add_parser(
        "audit", help="a chat's history: every event, or the chat at a moment",
        description="run.py audit CHAT_ID [--at TIME] [--format text|jsonl|csv]; "
                    "run.py audit verify [CHAT_ID]; run.py audit --user USER_ID")
    audit.add_argument("target", nargs="*", metavar="CHAT_ID | verify [CHAT_ID]")
    audit.add_argument("--at", help="ISO-8601 time: the chat as it stood then")
    audit.add_argument("--format", choices=("text", "jsonl", "csv"), default="text")
    audit.add_argument("--user", help="list every chat this user was ever in")
    audit.add_argument("--config", default=settings.DEFAULT_CONFIG)

    followers_cli.add_parser(commands)

    args = parser.parse_args(argv)
    logs.setup()
    try:
        config = settings.load(args.config)
    except settings.ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)  # one line, naming key and file
        return 2
    logs.setup(config.log_format)

    if args.command == "token":
        return _token(config, args)
    try:
        check_database(config.database_url)  # before anything opens the store
    except DatabaseUnusableError as error:
        print(f"database error: {error}", file=sys.stderr)  # one line, no traceback
        return 2
    if args.command == "check-config":
        print(f"{args.config}: ok ({config.database_url.split('@')[-1]})")
        return 0
    if args.command == "rebuild-projections":
        return rebuild_command(config)
    if args.command == "audit":
        return audit_command(config, args)
    if args.command == "followers":
        return followers_cli.followers_command(config, args)
    # uvloop: the event loop in C (asyncio's own Python loop was a tenth of the CPU).
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(_serve(config, args.host, args.port))


def _token(config: settings.Config, args) -> int:
    """Refuses, in one line, a token the server would refuse or that is dead on arrival."""
    try:
        user_id = identifier(args.user_id, "USER_ID")
        one_line(args.name, "--name")
    except InvalidInputError as error:
        return _refuse(f"token: {error}")
    if user_id in (config.support_user_id, config.bookings_sender_id):
        return _refuse(f"token: {user_id} is a system identity, not a user")
    if args.ttl is not None and args.ttl <= 0:
        return _refuse(f"token: --ttl must be above 0 seconds (got {args.ttl})")
    print(Tokens(config.jwt_secret).issue(user_id, args.name, args.ttl))
    return 0


def _refuse(line: str) -> int:
    print(line, file=sys.stderr)
    return 2


async def _serve(config: settings.Config, host: str | None, port: int | None) -> int:
    server = MessengerServer(config)
    await server.start(host, port)
    collector.settle()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    await stopping.wait()
    await server.stop()
    return 0

