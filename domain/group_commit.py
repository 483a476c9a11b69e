"""Group commit: saves made at the same time by many threads share one
transaction. Writing events is serialized by the store (one writer at a time
takes the next notification ids), so under load each commit carries every
save that queued while the one before it ran, and the cost of a commit is
paid once per batch instead of once per message. Each caller still returns
only once its own events are committed, with its own recordings."""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import RecordConflictError


class BatchConflictError(Exception):
    """Someone in the batch conflicted, perhaps not this caller: decide again
    and save alone."""


class _Request:
    def __init__(self, aggregates: Sequence[Any]):
        self.aggregates = aggregates
        self.ready = threading.Event()  # done, or asked to commit the next batch
        self.done = False
        self.recordings: list = []
        self.error: BaseException | None = None

    def outcome(self) -> list:
        if self.error is not None:
            raise self.error
        return self.recordings


class GroupCommit:
    def __init__(self, save: Callable[..., list]):
        self._save = save  # Application.save: one transaction for all it is given
        self._lock = threading.Lock()
        self._queue: list[_Request] = []
        self._committing = False

    def save(self, aggregates: Sequence[Any]) -> list:
        request = _Request(aggregates)
        with self._lock:
            self._queue.append(request)
            leads = not self._committing
            self._committing = True
        if not leads:
            request.ready.wait()
            if request.done:
                return request.outcome()
        with self._lock:
            batch, self._queue = self._queue, []
        try:
            self._commit(batch)
        finally:
            with self._lock:
                if self._queue:  # the first in line commits the next batch
                    self._queue[0].ready.set()
                else:
                    self._committing = False
        return request.outcome()

    def _commit(self, batch: list[_Request]) -> None:
        by_originator = {aggregate.id: request
                         for request in batch for aggregate in request.aggregates}
        try:
            recordings = self._save(*(a for request in batch for a in request.aggregates))
        except RecordConflictError as error:
            for request in batch:
                request.error = error if len(batch) == 1 else BatchConflictError()
        except BaseException as error:
            for request in batch:
                request.error = error
        else:
            for recording in recordings:
                by_originator[recording.domain_event.originator_id].recordings.append(recording)
        for request in batch:
            request.done = True
            request.ready.set()
