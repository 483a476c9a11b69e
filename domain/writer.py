"""One thread per process decides and saves every use case: whatever queued
while the last transaction ran is decided in turn and stored in the next one.
A batch is as big as the load makes it (not capped by a number of threads),
decisions never contend for the interpreter, and no two decisions of a batch
can conflict, as one that would change what the batch already changes waits
for the next transaction. A caller on the IOLoop awaits the future; any other
blocks on it."""

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, RecordConflictError

log = logging.getLogger(__name__)

MAX_BATCH = 1000  # decisions per transaction
SAVE_ATTEMPTS = 3  # decisions of one request, when other processes keep changing its aggregates

# What build() returns: the id the use case is about, and the aggregates to save.
Build = Callable[[], tuple[UUID | None, Sequence[Any]]]


@dataclass(frozen=True)
class Saved:
    """What a command stored: the id it is about and the notification
    positions of its events (empty when there was nothing to change)."""

    id: UUID | None = None
    positions: tuple[int, ...] = ()
    created: bool = False  # the aggregate it is about did not exist before
    events: tuple[Any, ...] = ()  # the domain events stored, in order


class _Request:
    __slots__ = ("build", "future", "about", "aggregates")

    def __init__(self, build: Build):
        self.build = build
        self.future: Future = Future()
        self.about: UUID | None = None
        self.aggregates: Sequence[Any] = ()


class Writer:
    def __init__(self, save: Callable[..., list], refresh: Callable[[], None] = lambda: None):
        self._save = save  # Application.save: one transaction for all it is given
        self._refresh = refresh  # brings what decisions read up to date
        self._queue: deque[_Request] = deque()
        self._queued = threading.Condition()
        self._stopped = False
        # Done once the transaction being saved now is committed and each of
        # its requests answered; None between transactions.
        self.saving: Future | None = None
        self._thread = threading.Thread(target=self._run, name="writer", daemon=True)
        self._thread.start()

    def submit(self, build: Build) -> Future:
        request = _Request(build)
        with self._queued:
            if self._stopped:
                raise RuntimeError("the writer is stopped")
            self._queue.append(request)
            self._queued.notify()
        return request.future

    def close(self) -> None:
        """Saves what is queued, then stops."""
        with self._queued:
            self._stopped = True
            self._queued.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._queued:
                while not self._queue and not self._stopped:
                    self._queued.wait()
                if not self._queue:
                    return
                batch = [self._queue.popleft()
                         for _ in range(min(MAX_BATCH, len(self._queue)))]
            try:
                self._write(batch)
            except BaseException as error:  # never leave a caller waiting
                log.exception("the writer failed a batch")
                for request in batch:
                    if not request.future.done():
                        request.future.set_exception(error)

    def _write(self, requests: list[_Request]) -> None:
        decided: list[_Request] = []
        changing: set[UUID] = set()
        self._refresh()
        for request in requests:
            if not self._decide(request):
                continue
            ids = {aggregate.id for aggregate in request.aggregates}
            if ids & changing:
                # Decided on a state the batch is about to change: the batch
                # goes first, then this decides again on what it stored.
                self._commit(decided)
                decided, changing = [], set()
                if not self._decide(request):
                    continue
                ids = {aggregate.id for aggregate in request.aggregates}
            decided.append(request)
            changing |= ids
        self._commit(decided)

    @staticmethod
    def _decide(request: _Request) -> bool:
        """Runs the use case's decision; False if it is already answered."""
        try:
            request.about, request.aggregates = request.build()
        except BaseException as error:
            request.future.set_exception(error)
            return False
        if not request.aggregates:
            request.future.set_result(Saved(request.about))
            return False
        return True

    def _commit(self, batch: list[_Request]) -> None:
        if not batch:
            return
        self.saving = Future()
        try:
            self._commit_now(batch)
        finally:
            saving, self.saving = self.saving, None
            saving.set_result(None)

    def _commit_now(self, batch: list[_Request]) -> None:
        try:
            recordings = self._save(*(a for request in batch for a in request.aggregates))
        except (OperationalError, InterfaceError) as error:
            # The database, not a request: every one of them is told so.
            for request in batch:
                request.future.set_exception(error)
            return
        except Exception as error:
            if len(batch) == 1 and not isinstance(error, RecordConflictError):
                batch[0].future.set_exception(error)
                return
            # Another process changed what one of them decided on, or one of
            # them cannot be stored: each decides again and is saved alone,
            # so no request fails for another's sake.
            for request in batch:
                self._alone(request)
            return
        self._answer(batch, recordings)

    def _alone(self, request: _Request, attempt: int = 1) -> None:
        # Decided again: a failed save has taken the aggregates' pending events.
        self._refresh()
        if not self._decide(request):
            return
        try:
            recordings = self._save(*request.aggregates)
        except RecordConflictError as error:
            if attempt == SAVE_ATTEMPTS:
                request.future.set_exception(error)
            else:
                self._alone(request, attempt + 1)
            return
        except Exception as error:
            request.future.set_exception(error)
            return
        self._answer([request], recordings)

    @staticmethod
    def _answer(batch: list[_Request], recordings: list) -> None:
        by_originator = {aggregate.id: request
                         for request in batch for aggregate in request.aggregates}
        stored: dict[int, list] = {id(request): [] for request in batch}
        for recording in recordings:
            stored[id(by_originator[recording.domain_event.originator_id])].append(recording)
        for request in batch:
            mine = stored[id(request)]
            created = any(r.domain_event.originator_id == request.about
                          and r.domain_event.originator_version == 1 for r in mine)
            request.future.set_result(Saved(
                request.about, tuple(r.notification.id for r in mine), created,
                tuple(r.domain_event for r in mine)))
