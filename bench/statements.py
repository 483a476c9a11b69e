"""How many SQL statements one message costs when sent alone: counted in
this process, around Messenger.post_message, by wrapping the drivers'
execute calls (psycopg's cursors; sqlite3's trace callback, without the
statements SQLite runs inside another). BEGIN and COMMIT are counted too:
they are round trips like any other.

    python bench/statements.py [--database-url URL]   # default: a fresh SQLite file
"""

import argparse
import sqlite3
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from messenger.config import Config  # noqa: E402
from messenger.store.store import Store  # noqa: E402

COUNTED = {"statements": 0}


@contextmanager
def counting():
    """Counts every statement any connection opened or used inside runs."""
    originals = {name: getattr(psycopg.Cursor, name) for name in ("execute", "executemany")}

    def counted(original):
        def run(self, *args, **kwargs):
            COUNTED["statements"] += 1
            return original(self, *args, **kwargs)
        return run

    for name, original in originals.items():
        setattr(psycopg.Cursor, name, counted(original))
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        connection = connect(*args, **kwargs)
        # Statements SQLite runs inside another (a trigger's, an FTS5 table's
        # own on its shadow tables) come as "-- …": not the server's, not counted.
        connection.set_trace_callback(lambda sql: sql.startswith("-- ") or COUNTED.__setitem__(
            "statements", COUNTED["statements"] + 1))
        return connection

    sqlite3.connect = traced
    try:
        yield
    finally:
        sqlite3.connect = connect
        for name, original in originals.items():
            setattr(psycopg.Cursor, name, original)


def per_message(database_url: str, samples: int = 20) -> float:
    with counting():  # before the store opens, so its connections are traced
        store = Store(Config(database_url=database_url, jwt_secret="x", service_token="x"))
        try:
            app = store.app
            chat = app.create_chat("alice", ["bob"], "").id
            app.post_message(chat, "alice", "warm-up")  # the aggregate cache, prepared statements
            COUNTED["statements"] = 0
            for n in range(samples):
                app.post_message(chat, "alice", f"message {n}")
            return COUNTED["statements"] / samples
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp()}/statements-{uuid.uuid4().hex[:6]}.db"
    print(f"statements per message sent alone: {per_message(url):.1f} ({url.split('@')[-1]})")


if __name__ == "__main__":
    main()
