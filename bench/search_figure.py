"""The search figure: how long a search takes in a store of 100,000 messages.
On a fresh store, opened as the server opens it (no server runs), 300 users
talk in 1,000 chats (700 direct, 300 groups of 3 to 40), busy chats far
busier than quiet ones; the messages are staff's Russian (bench/search_texts.py),
stored straight through the application, 500 to a transaction. Then ten
users each run every query of search_texts.QUERIES over all their chats,
the second page of it, and over one of their chats: InboxView.search_messages
timed in this process as the server calls it, and with the frame built and
encoded as the server sends it. See bench/README.md.

    python bench/search_figure.py [--store sqlite|postgres|both] [--messages 100000]
"""

import argparse
import random
import time
from uuid import UUID

from audit_catchup import fresh_store
from common import f1, f2, line, percentile, postgres_in, progress
from search_texts import QUERIES, message_text

SEARCH_MESSAGES = 100_000
USERS = 300
DIRECT_CHATS, GROUPS = 700, 300
SEARCHERS = 10
FILL_BATCH = 500


def measure(database_url: str, messages: int, store: str) -> dict:
    from messenger.config import Config
    from messenger.store.store import Store
    store_ = Store(Config(database_url=database_url, jwt_secret="bench", service_token="bench"))
    try:
        started = time.time()
        chats = fill(store_.app, messages)
        fill_s = time.time() - started
        progress(f"  {store}: {messages} messages in {len(chats)} chats in {fill_s:.1f} s")
        if store == "postgres":
            postgres_in(database_url, "ANALYZE")  # as autovacuum would have, long before
        fields = time_queries(store_.view, chats)
    finally:
        store_.close()
    line("search", store=store, messages=messages, chats=len(chats), users=USERS,
         searchers=SEARCHERS, **fields, fill_s=f1(fill_s))
    return fields


def fill(app, messages: int) -> dict[str, list[str]]:
    """The users, chats and messages; returns each chat's members."""
    from domain.message import Message
    rng = random.Random(17)
    users = [f"u{n:03}" for n in range(USERS)]
    app.save(*[aggregate for user in users for aggregate in app._new_user(user, "")])
    chats: dict[str, list[str]] = {}
    for n in range(DIRECT_CHATS + GROUPS):
        members = rng.sample(users, 2 if n < DIRECT_CHATS else rng.randint(3, 40))
        chat_id = app.create_chat(members[0], members[1:], "" if n < DIRECT_CHATS
                                  else f"Группа {n}").id
        chats[str(chat_id)] = members
    ids = list(chats)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(ids))]  # a few busy, most quiet
    generation = {chat: app.repository.get(UUID(chat)).generation for chat in ids}
    done = 0
    while done < messages:
        batch = []
        for chat in rng.choices(ids, weights, k=min(FILL_BATCH, messages - done)):
            batch.append(Message(chat_id=UUID(chat), sender=rng.choice(chats[chat]),
                                 content=message_text(done + len(batch)),
                                 generation=generation[chat]))
        app.save(*batch)
        done += len(batch)
    return chats


def time_queries(view, chats: dict[str, list[str]]) -> dict:
    from messenger.wire import protocol, shapes
    from projections.search_terms import terms
    rng = random.Random(42)
    searchers = [f"u{n:03}" for n in range(SEARCHERS)]
    theirs = {user: [chat for chat, members in chats.items() if user in members]
              for user in searchers}
    plan = []
    for user in searchers:
        for text in QUERIES:
            plan.append((user, text, None, True))  # and its second page
            plan.append((user, text, rng.choice(theirs[user]), False))
    query_ms, frame_ms, hits = [], [], []

    def timed(user, text, chat_id, before):
        started = time.perf_counter()
        page = view.search_messages(user, terms(text), chat_id, protocol.SEARCH_PAGE, before)
        middle = time.perf_counter()
        protocol.encode(shapes.search_results_frame(text, chat_id, page))
        ended = time.perf_counter()
        query_ms.append((middle - started) * 1000)
        frame_ms.append((ended - started) * 1000)
        hits.append(len(page.hits))
        return page

    for user, text, chat_id, _ in plan[:20]:  # warm-up: caches, the planner
        view.search_messages(user, terms(text), chat_id)
    for user, text, chat_id, again in plan:
        page = timed(user, text, chat_id, None)
        if again and page.next:
            timed(user, text, chat_id, page.next)
    return {"member_chats": f1(sum(map(len, theirs.values())) / SEARCHERS),
            "queries": len(query_ms), "hits_avg": f1(sum(hits) / len(hits)),
            "p50_ms": f2(percentile(query_ms, 0.5)), "p99_ms": f2(percentile(query_ms, 0.99)),
            "max_ms": f2(max(query_ms)), "frame_p50_ms": f2(percentile(frame_ms, 0.5)),
            "frame_p99_ms": f2(percentile(frame_ms, 0.99))}


class SearchFigure:
    """Part of run_bench.Bench: the search figure, on a fresh store of its own."""

    def search_figure(self) -> None:
        progress(f"{self.store}, search")
        with fresh_store(self.store) as database_url:
            measure(database_url, SEARCH_MESSAGES, self.store)



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--messages", type=int, default=SEARCH_MESSAGES)
    args = parser.parse_args()
    for store in ("sqlite", "postgres") if args.store == "both" else (args.store,):
        with fresh_store(store) as database_url:
            measure(database_url, args.messages, store)


if __name__ == "__main__":
    main()
