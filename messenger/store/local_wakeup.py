"""SQLite has no LISTEN/NOTIFY. Within one process, whatever waits for a
database file's commits (the change feed, the followers' subscriptions)
registers a wake-up here, and the recorder calls them after each commit;
commits of other processes on the same file are found by polling.

Process-wide because the library builds the recorder itself, from a topic in
its settings: there is no constructor to hand a registry to."""

import threading
from collections import defaultdict
from collections.abc import Callable

_wakeups: dict[str, set[Callable[[], None]]] = defaultdict(set)
_lock = threading.Lock()


def listen(db_name: str, wake: Callable[[], None]) -> None:
    with _lock:
        _wakeups[db_name].add(wake)


def stop_listening(db_name: str, wake: Callable[[], None]) -> None:
    with _lock:
        _wakeups[db_name].discard(wake)


def committed(db_name: str) -> None:
    """Called by the recorder after each commit to the file `db_name`."""
    with _lock:
        woken = list(_wakeups[db_name])
    for wake in woken:
        wake()
