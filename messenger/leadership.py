"""Which server process runs the followers of the events (the inbox and audit
projections, the push sender, the Telegram poster and long polling): exactly
one per store, elected by a lock the database or the file system holds for it.

On PostgreSQL, a session-level advisory lock: it lives as long as the leader's
connection, so a killed leader frees it at once and another process takes over
within RETRY_S. On SQLite, an exclusive flock on a file beside the database,
which the kernel frees when the process dies."""

import fcntl
import logging
import os
import threading
from collections.abc import Callable

from messenger.storage import connect_postgres

log = logging.getLogger(__name__)

RETRY_S = 1.0
LOCK_KEY = 0x6D657373  # "mess": one advisory lock key for the messenger


class Leadership:
    def __init__(self, elected: Callable[[], None], deposed: Callable[[], None], *,
                 postgres: dict[str, str] | None = None, lock_file: str = ""):
        self._elected = elected
        self._deposed = deposed
        self._postgres = postgres
        self._lock_file = lock_file
        self._stopped = threading.Event()
        self.is_leader = False
        self._thread = threading.Thread(target=self._run, name="leadership", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Steps down (the followers stop at their tracked positions) and frees the lock."""
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        campaign = self._hold_advisory_lock if self._postgres else self._hold_file_lock
        while not self._stopped.is_set():
            try:
                campaign()
            except Exception as error:
                log.warning("leadership: %s; trying again", error)
            self._stopped.wait(RETRY_S)

    def _lead(self) -> None:
        log.info("this process now runs the projections and the senders")
        self.is_leader = True
        self._elected()

    def _step_down(self) -> None:
        if self.is_leader:
            self.is_leader = False
            try:
                self._deposed()
            except Exception:
                log.exception("leadership: stepping down failed")

    def _hold_advisory_lock(self) -> None:
        settings = self._postgres
        with connect_postgres(settings) as connection:
            while not self._stopped.is_set():
                locked = connection.execute("SELECT pg_try_advisory_lock(%s)",
                                            (LOCK_KEY,)).fetchone()[0]
                if locked:
                    break
                self._stopped.wait(RETRY_S)
            else:
                return
            try:
                self._lead()
                # The lock is as good as the connection holding it: if the
                # connection is lost, so is the lock, and this process must stop leading.
                while not self._stopped.wait(RETRY_S):
                    connection.execute("SELECT 1")
            finally:
                self._step_down()  # before the lock is freed

    def _hold_file_lock(self) -> None:
        descriptor = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while not self._stopped.is_set():
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self._stopped.wait(RETRY_S)
            else:
                return
            try:
                self._lead()
                self._stopped.wait()
            finally:
                self._step_down()  # before the lock is freed
        finally:
            os.close(descriptor)
