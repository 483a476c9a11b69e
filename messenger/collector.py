"""The garbage collector set for a long-running server.

CPython's default starts a young collection every 700 new container objects,
and now and then a full one over every object alive: with the store's
aggregates, thousands of connections and a 1,000-chat list being built, a full
collection stalled the thread that ran into it for 15-20 ms (the bench's
chat_list p99 was 22 ms, its p50 6 ms; 6.4 ms with collection deferred).
Objects made while starting live as long as the process: frozen, no
collection looks at them again. A larger young generation lets a request's
short-lived rows die by reference count before any collection sees them."""

import gc

YOUNG_OBJECTS = 50_000  # container allocations between young collections (default 700)


def settle() -> None:
    """Called once the server has started: freeze what it holds, collect later."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
