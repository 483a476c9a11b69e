"""What the search index costs a posted message: the view's post_messages in
transactions of BATCH messages (as the writer's group commit writes them),
with the index and without it (SQLite: the view's writes without the index's
statement; PostgreSQL: the index dropped), in turns, on a fresh store of
each kind. Counted in CPU time (this process's, and on
PostgreSQL its backends' too), not wall time: the machine is shared, and CPU
is what the index takes from the rest. Prints one line per store.

    python bench/search_index_cost.py [--store sqlite|postgres|both] [--messages N] [--rounds R]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from eventsourcing.persistence import Tracking  # noqa: E402

from domain.application import Messenger  # noqa: E402
from messenger.store.settings import persistence_env  # noqa: E402
from projections.inbox import stamp  # noqa: E402
from projections.inbox_view import InboxView, Post  # noqa: E402
from search_texts import message_text  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432"
BATCH = 50
CHATS = 100


def measure(store: str, messages: int, rounds: int) -> dict:
    url, cleanup = fresh(store)
    app = Messenger(persistence_env(url))
    try:
        view = app.recorder.inbox.view
        chats = [str(app.create_chat("anna", [f"user{n}", "boris"], f"Группа {n}").id)
                 for n in range(CHATS)]
        position = [app.recorder.max_notification_id() + 1000]
        n = [0]

        walls = {True: [], False: []}

        def post_all(indexed: bool = True) -> float:
            """CPU seconds per message, for `messages` messages (and each
            transaction's wall time in `walls`)."""
            started = cpu_s(view, store)
            for _ in range(messages // BATCH):
                posts = []
                for _ in range(BATCH):
                    n[0] += 1
                    position[0] += 1
                    posts.append(Post(chats[n[0] % CHATS], str(uuid.uuid4()), "anna",
                                      message_text(n[0]), [], stamp_now(),
                                      Tracking("Messenger", position[0])))
                began = time.perf_counter()
                with view.batch():
                    if indexed or store == "postgres":
                        view.post_messages(posts)
                    else:
                        InboxView.post_messages(view, posts)
                walls[indexed].append(time.perf_counter() - began)
            return (cpu_s(view, store) - started) / messages

        post_all()  # warm up: caches, the planner, the first pages of every table
        walls[True].clear()
        timings = {"with": [], "without": []}
        for _ in range(rounds):
            timings["with"].append(post_all())
            if store == "postgres":
                drop_index(view)
            timings["without"].append(post_all(indexed=False))
            view.create_table()  # the index again, if dropped (IF NOT EXISTS)
        result = {kind: statistics.median(values) * 1e6 for kind, values in timings.items()}
        for indexed, kind in ((True, "with"), (False, "without")):
            ordered = sorted(walls[indexed])
            result[kind + "_p99_ms"] = ordered[int(len(ordered) * 0.99)] * 1000
        return result
    finally:
        app.close()
        cleanup()


def cpu_s(view, store: str) -> float:
    """This process's CPU seconds, and on PostgreSQL its database's backends'
    (on this host: /proc tells them)."""
    used = time.process_time()
    if store == "postgres":
        with view.datastore.cursor() as c:
            c.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            pids = [row["pid"] for row in c.fetchall()]
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def stamp_now() -> str:
    from datetime import datetime, timezone
    return stamp(datetime.now(timezone.utc))


def drop_index(view) -> None:
    with view.datastore.transaction(commit=True) as c:
        c.execute("DROP INDEX inbox_messages_search")


def fresh(store: str):
    if store == "sqlite":
        directory = tempfile.mkdtemp(prefix="search-cost-")
        return f"sqlite:///{directory}/cost.db", lambda: None
    name = "search_cost_" + uuid.uuid4().hex[:8]
    with psycopg.connect(f"{ADMIN_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def cleanup():
        with psycopg.connect(f"{ADMIN_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"{ADMIN_URL}/{name}", cleanup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--messages", type=int, default=10_000, help="per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for store in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        us = measure(store, args.messages, args.rounds)
        print(f"search_index_cost store={store} messages={args.messages} rounds={args.rounds}"
              f" batch={BATCH} with_us={us['with']:.1f} without_us={us['without']:.1f}"
              f" index_us={us['with'] - us['without']:.1f}"
              f" transaction_p99_ms={us['with_p99_ms']:.1f}"
              f" without_transaction_p99_ms={us['without_p99_ms']:.1f}", flush=True)


if __name__ == "__main__":
    main()
