"""The audit figure: how fast the audit index catches up on a backlog. On a
fresh store opened without its audit follower, one direct chat is filled with
`events` messages straight through the application (as the history figure's
fill: 500 to a transaction); then the follower is started (`Store.lead()`) and
timed until the audit index includes every event stored. The inbox needs no
catch-up: it is written with the events. See bench/README.md.

    python bench/audit_catchup.py [--database-url URL | --store sqlite|postgres] [--events 100000]

Without --database-url, the store is a fresh SQLite file in a temp dir or a
fresh PostgreSQL database `bench_audit_<random>` on postgres@127.0.0.1:5432,
removed at the end (the database dropped WITH (FORCE)) whatever happened.
"""

import argparse
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from types import SimpleNamespace

from common import ADMIN_URL, f1, line, postgres, progress
from stored import StoredFigures

POLL_S = 0.02  # how often the audit index's position is read while it catches up


@contextmanager
def fresh_store(store: str):
    """The URL of an empty store of its own (`sqlite` or `postgres`), removed
    on the way out however the block ends."""
    if store == "postgres":
        database = f"bench_audit_{secrets.token_hex(4)}"
        postgres(f'CREATE DATABASE "{database}"')
        try:
            yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{database}"
        finally:
            postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    else:
        directory = tempfile.mkdtemp(prefix="messenger-bench-audit-")
        try:
            yield f"sqlite:///{directory}/bench.db"
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def store_kind(database_url: str) -> str:
    from messenger.store.settings import is_postgres
    return "postgres" if is_postgres(database_url) else "sqlite"


def measure(database_url: str, events: int, timeout_s: float = 300.0) -> dict:
    """Fills the store (with no audit follower running) with one direct chat
    and `events` messages, then times Store.lead() until the audit index has
    processed every event stored. Prints the `audit` line; returns its fields."""
    from domain.application import Messenger
    from messenger.config import Config
    from messenger.store.store import Store
    kind = store_kind(database_url)
    store = Store(Config(database_url=database_url, jwt_secret="x", service_token="x"))
    try:
        app = store.app
        sender, receiver = f"audit-{secrets.token_hex(3)}-s", f"audit-{secrets.token_hex(3)}-r"
        chat_id = app.create_chat(sender, [receiver], "audit").id
        started = time.perf_counter()
        # stored.py's fill only uses the `app` of the Local it is given.
        StoredFigures.fill(SimpleNamespace(app=app), chat_id, sender, events)
        fill_s = time.perf_counter() - started
        last = app.recorder.max_notification_id() or 0
        before = store.audit_view.max_tracking_id(Messenger.name) or 0  # 0 on a fresh store
        progress(f"  audit: filled {events} messages in {fill_s:.1f} s; "
                 f"{last - before} events for the audit index")
        started = time.perf_counter()
        store.lead()
        # What Store.wait_for_view waits for, read every POLL_S: its own
        # back-off sleeps up to 0.8 s, too coarse for a catch-up of seconds.
        deadline = started + timeout_s
        while not store.audit_view.has_tracking_id(Messenger.name, last):
            if time.perf_counter() > deadline:
                at = store.audit_view.max_tracking_id(Messenger.name) or 0
                raise TimeoutError(f"the audit index did not catch up within {timeout_s:.0f} s"
                                   f" ({at} of {last})")
            time.sleep(POLL_S)
        catchup_s = time.perf_counter() - started
        store.wait_for_view(1.0)  # the same condition, through the store's own call
        fields = {"store": kind, "events": last - before, "catchup_s": f"{catchup_s:.2f}",
                  "per_s": f"{(last - before) / catchup_s:.0f}", "fill_s": f1(fill_s)}
        line("audit", **fields)
        return fields
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="an empty store to use (kept afterwards)")
    where.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                       help="a fresh store of this kind, removed afterwards (default sqlite)")
    parser.add_argument("--events", type=int, default=100_000, help="messages to fill")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds the catch-up may take (default 300)")
    args = parser.parse_args()
    if args.events < 1:
        parser.error("--events must be positive")
    if args.database_url:
        measure(args.database_url, args.events, args.timeout)
    else:
        with fresh_store(args.store) as url:
            measure(url, args.events, args.timeout)


if __name__ == "__main__":
    main()
