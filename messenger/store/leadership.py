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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from messenger.store.settings import connect_postgres

log = logging.getLogger(__name__)

RETRY_S = 1.0
LOCK_KEY = 0x6D657373  # "mess": one advisory lock key for the messenger
LOCK_FILE_SUFFIX = ".leader"


class LeaderRunningError(RuntimeError):
    """A server holds the leader lock of this store."""


def lock_settings(store_env: dict[str, str]) -> dict:
    """Leadership's keyword arguments for a store (messenger/store/store.py store_env)."""
    if store_env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        return {"postgres": store_env}
    return {"lock_file": store_env["SQLITE_DBNAME"] + LOCK_FILE_SUFFIX}


@contextmanager
def held_alone(*, postgres: dict[str, str] | None = None, lock_file: str = "") -> Iterator[None]:
    """Holds the leader lock for an operator command that must not run beside
    a server (rebuild-projections), or raises LeaderRunningError at once. While
    any server runs on the store, one of them holds the lock; a server started
    meanwhile serves, but cannot lead until the command ends."""
    if postgres:
        with connect_postgres(postgres) as connection:
            locked = connection.execute("SELECT pg_try_advisory_lock(%s)",
                                        (LOCK_KEY,)).fetchone()[0]
            if not locked:
                raise LeaderRunningError("a server holds the leader lock")
            yield  # the lock ends with the connection
        return
    descriptor = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LeaderRunningError("a server holds the leader lock") from None
        yield
    finally:
        os.close(descriptor)  # frees the lock


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
