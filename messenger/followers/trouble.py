"""What a follower of the events is stuck on, if anything: how long it waits
before the next attempt, what it logs, and the record an operator reads
(projections/failures.py). An event that fails every time is tried with
growing pauses, logged once with its traceback and then reminded of now and
then, until it works, or an operator skips it (side effects only)."""

import logging
import threading
import time
from datetime import datetime, timezone

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import InterfaceError, Notification, OperationalError

from domain import ids
from projections.failures import Failure, Failures

log = logging.getLogger("messenger.followers")

FIRST_RETRY_S = 0.5
MAX_RETRY_S = 60.0
# The database coming back does not depend on the event: try again sooner.
MAX_STORE_RETRY_S = 5.0
REMINDER_S = 300.0
POLL_S = 1.0  # how soon an operator's retry or skip is taken up
ERROR_CHARS = 300


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def summary(error: BaseException) -> str:
    """One line: error texts may hold newlines (and user content)."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS - 1] + "…"


def _where(failure: Failure) -> str:
    if failure.position is None:
        return "before reaching an event"
    return f"at event {failure.position} ({failure.event_type})"


class Trouble:
    """Called by the follower's supervisor (failed, wait, started) and by its
    processing thread (skipped, processed). Only getting past a failure may
    happen in both at once (a runner just started, and already past it)."""

    def __init__(self, name: str, failures: Failures, may_skip: bool):
        self.name = name
        self._failures = failures
        self._may_skip = may_skip
        self._told_at: float | None = None  # when this process last logged the failure
        self._retry_s = FIRST_RETRY_S
        self._lock = threading.Lock()
        self.failure = self._stored()  # a previous leader's, if it was stuck too

    @property
    def stuck_at(self) -> int | None:
        failure = self.failure
        return failure.position if failure else None

    def failed(self, at: Notification | None, error: BaseException) -> None:
        position = at.id if at is not None else None
        failure, now = self.failure, time.monotonic()
        if failure is not None and position in (None, failure.position):
            failure.attempts += 1
            failure.error, failure.last_at = summary(error), _now()
        else:
            failure = self.failure = Failure(
                self.name, position, at.topic.rpartition(":")[2] if at is not None else "",
                summary(error), _now(), _now(), 1)
            self._told_at = None
        self._retry_s = min(FIRST_RETRY_S * 2 ** min(failure.attempts - 1, 16),
                            MAX_STORE_RETRY_S if isinstance(error, (OperationalError,
                                                                    InterfaceError))
                            else MAX_RETRY_S)
        if self._told_at is None:
            log.error("follower %s failed %s; trying again in %.1f s, then less and less often"
                      " (see `run.py followers`)", self.name, _where(failure), self._retry_s,
                      exc_info=error)
            self._told_at = now
        elif now - self._told_at >= REMINDER_S:
            log.warning("follower %s still stuck %s since %s: %d attempts, last error %s",
                        self.name, _where(failure), failure.since, failure.attempts,
                        failure.error)
            self._told_at = now
        self._keep(lambda: self._failures.save(failure))

    def wait(self, closed: threading.Event) -> bool:
        """Sits out the pause before the next attempt, cut short by an
        operator's retry (or skip). True if the follower is closed meanwhile."""
        deadline = time.monotonic() + self._retry_s
        while (left := deadline - time.monotonic()) > 0:
            if closed.wait(min(POLL_S, left)):
                return True
            if self._keep(lambda: self._failures.take_retry(self.name)):
                log.info("follower %s: trying again now, as an operator asked", self.name)
                break
        return closed.is_set()

    def started(self) -> None:
        """A new runner is following: a failure at no event is over."""
        failure = self.failure  # read once: the processing thread may clear it
        if failure is not None and failure.position is None:
            self._recovered("is following again")

    def skipped(self, position: int, app) -> bool:
        """Whether an operator told it to pass over this event (only ever the
        one it is stuck on: looked up then, not for every event)."""
        if not self._may_skip or position != self.stuck_at:
            return False
        try:
            skip = app.repository.get(ids.skipped_event_id(self.name, position))
        except AggregateNotFoundError:
            return False
        log.warning("follower %s passes over event %s, as %s decided: %s", self.name,
                    position, skip.by, skip.reason or "(no reason given)")
        return True

    def processed(self, position: int) -> None:
        failure = self.failure  # read once: the supervisor may clear it
        if failure is not None and position >= (failure.position or 0):
            self._recovered(f"got past event {position}")

    def _recovered(self, how: str) -> None:
        with self._lock:
            failure, self.failure = self.failure, None
        if failure is None:
            return  # the other thread saw it first
        log.warning("follower %s %s after %d failed attempts", self.name, how, failure.attempts)
        self._keep(lambda: self._failures.clear(self.name))

    def _stored(self) -> Failure | None:
        return self._keep(lambda: self._failures.get(self.name))

    @staticmethod
    def _keep(write):
        """The record is for operators; the follower goes on without it (the
        database may be what fails, and /healthz says so then)."""
        try:
            return write()
        except Exception:
            log.debug("follower failure record not written", exc_info=True)
            return None
