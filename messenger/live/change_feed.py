"""Reads the inbox's change log (projections/changes.py) in order, on a thread
of its own, and hands every process what the view committed: the changes to
deliver to its connections, and how far the view has got.

Woken by PostgreSQL's LISTEN/NOTIFY (the event recorder's own, sent in every
inserting transaction, which also reaches the other server processes), or for
SQLite by the recorder after each write in this process; either way it also
looks every POLL_INTERVAL_S, so a lost notification only delays."""

import logging
import threading
from collections.abc import Callable

from messenger.metrics import DATABASE_ERRORS
from messenger.store import local_wakeup
from messenger.store.settings import connect_postgres
from projections.changes import Change, Committed
from projections.inbox_postgres import CHANNEL

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.5
RECONNECT_S = 1.0

class ChangeFeed:
    def __init__(self, view, position: int,
                 deliver: Callable[[int, list[Change], dict], None], *,
                 local_name: str = "", postgres: dict[str, str] | None = None):
        """`deliver(head, changes, posted)` is called in order, from the feed's
        thread or a writer's (it must only hand them on). Give `postgres`
        connection settings to listen there, else `local_name`."""
        self._view = view
        self.position = position
        self._deliver = deliver
        self._order = threading.Lock()  # position moves, and deliveries go, in order
        self._local_name = local_name
        self._postgres = postgres
        self._stopped = threading.Event()
        self._woken = threading.Event()
        # Whether the database answers, as this feed's own connection finds:
        # while it does not, requests are refused at once instead of waiting.
        self.database_up = True
        self._thread = threading.Thread(target=self._run, name="change-feed", daemon=True)

    def start(self) -> None:
        if self._postgres is None:
            local_wakeup.listen(self._local_name, self._woken.set)
        else:
            threading.Thread(target=self._listen, name="change-feed-listen", daemon=True).start()
        self._thread.start()

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stopped.set()
        self._woken.set()
        local_wakeup.stop_listening(self._local_name, self._woken.set)
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._woken.wait(POLL_INTERVAL_S)
            self._woken.clear()
            try:
                self._read_all()
            except Exception:
                DATABASE_ERRORS.labels("change_feed").inc()
                log.exception("change log not read; trying again")
                self._stopped.wait(RECONNECT_S)

    def take(self, committed: Committed) -> None:
        """A transaction this process committed, handed over by its writer: if
        everything before it has been delivered, its changes go at once, with
        its messages, and the change log is not read for them; otherwise the
        feed reads them in turn."""
        with self._order:
            if self.position < committed.first - 1:
                return
            changes = [c for c in committed.changes if c.position > self.position]
            self.position = max(self.position, committed.head)
            self._deliver(committed.head, changes, committed.posted)

    def _read_all(self) -> None:
        while not self._stopped.is_set():
            head, changes = self._view.changes_after(self.position)
            with self._order:
                if head <= self.position:
                    return
                # Some may have been taken from a writer meanwhile.
                self._deliver(head, [c for c in changes if c.position > self.position], {})
                self.position = head

    def _listen(self) -> None:
        """Turns NOTIFYs into wake-ups, reconnecting after any failure."""
        settings = self._postgres
        while not self._stopped.is_set():
            try:
                with connect_postgres(settings) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    if not self.database_up:
                        log.warning("the database answers again")
                    self.database_up = True
                    self._woken.set()  # anything committed before LISTEN took effect
                    while not self._stopped.is_set():
                        for _ in connection.notifies(timeout=POLL_INTERVAL_S):
                            self._woken.set()
            except Exception as error:
                if not self._stopped.is_set():
                    if self.database_up:
                        log.error("the database does not answer (%s); refusing requests"
                                  " until it does", error)
                    self.database_up = False
                    self._stopped.wait(RECONNECT_S)
