"""How a use case's aggregates are stored: by the process's one writer
(domain/writer.py), which decides and commits together what arrives
together, and hands the domain events to the recorder, which writes the read
model with them."""

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate

from domain.writer import Saved, Writer

__all__ = ["Saved", "SavingApplication"]

log = logging.getLogger(__name__)

# Set while submit() runs a use case: its save then returns the writer's
# future instead of waiting for it.
_SUBMITTING = contextvars.ContextVar("submitting", default=False)


class SavingApplication(Application[UUID]):
    """Its aggregate cache is not fast-forwarded by a query on every read:
    the writer's thread is the only one in this process that stores events,
    so the cache is current but for what other processes stored, which is
    evicted before each batch is decided (one query)."""

    uncached: tuple[type, ...] = ()  # aggregates made once and seldom read again

    def __init__(self, env=None, **kwargs):
        super().__init__({**(env or {}), "AGGREGATE_CACHE_FASTFORWARD": "n"}, **kwargs)
        self._seen = self.recorder.max_notification_id() or 0  # looked at up to here
        self._own: set[int] = set()  # positions this process stored after _seen
        # Told, on the writer's thread as soon as a transaction is committed,
        # what the recorder noted of it (the read model's changes, for live
        # delivery in this process).
        self.on_recorded: Callable[[dict], None] = lambda notes: None
        self._writer = Writer(self.save, self._forget_changed_elsewhere)

    def submit(self, use_case: Callable[..., Saved], *args: Any) -> "Future[Saved]":
        """Runs a use case without waiting for its save: for an event loop,
        which awaits the future. Its checks before the save are CPU only."""
        token = _SUBMITTING.set(True)
        try:
            return use_case(*args)
        except Exception as error:
            failed: Future = Future()
            failed.set_exception(error)
            return failed
        finally:
            _SUBMITTING.reset(token)

    @property
    def saving(self) -> "Future | None":
        """Done when the transaction being saved now has been answered."""
        return self._writer.saving

    def close(self) -> None:
        self._writer.close()
        super().close()

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return False
        return True

    def save(self, *aggregates: Aggregate, **kwargs: Any) -> list:
        """The library's save, for aggregates only: without its check of each
        object against typing protocols (a tenth of the writer's time)."""
        processing_event = ProcessingEvent()
        for aggregate in aggregates:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _record(self, processing_event):
        """Hands the domain events themselves to the recorder, which writes
        the read model from them in the transaction that stores them; then
        caches what it saved (the library's _record, but for `uncached`)."""
        processing_event.saved_kwargs["events_to_project"] = processing_event.events
        # and how to read back events stored without it, should it find any
        processing_event.saved_kwargs["to_domain_event"] = self.mapper.to_domain_event
        notes: dict = {}  # what the recorder tells of what it wrote
        processing_event.saved_kwargs["notes"] = notes
        recordings = self.events.put(processing_event.events, tracking=processing_event.tracking,
                                     **processing_event.saved_kwargs)
        if notes:
            try:
                self.on_recorded(notes)
            except Exception:  # stored is stored: a listener's failure must not undo that
                log.exception("a listener of committed events failed")
        self._own.update(recording.notification.id for recording in recordings)
        for aggregate_id, aggregate in processing_event.aggregates.items():
            if not isinstance(aggregate, self.uncached):
                self.repository.cache.put(aggregate_id, aggregate)
            else:  # a read may have cached it: the next one reads it again
                self._evict(aggregate_id)
        return recordings

    def _evict(self, aggregate_id: UUID) -> None:
        try:
            self.repository.cache.get(aggregate_id, evict=True)
        except KeyError:
            pass

    def _forget_changed_elsewhere(self) -> None:
        """Evicts from the cache what other processes stored since the last look."""
        top = self.recorder.max_notification_id() or 0
        start = self._seen + 1
        if sum(1 for position in self._own if start <= position <= top) == top - start + 1:
            start = top + 1  # all of them this process's own: nothing to read
        while start <= top:
            page = self.recorder.select_notifications(start=start, limit=1000, stop=top)
            if not page:
                break
            for notification in page:
                if notification.id not in self._own:
                    self._evict(notification.originator_id)
            start = page[-1].id + 1
        self._own = {position for position in self._own if position > top}
        self._seen = max(self._seen, top)

    def _save(self, build: Callable[[], tuple[UUID, list[Aggregate]]]) -> Saved:
        """Has the writer decide (build() loads, commands and returns the id
        it is about with the aggregates to save) and save; a concurrent writer
        of the same aggregate in another process makes it decide again."""
        future = self._writer.submit(build)
        if _SUBMITTING.get():
            return future  # type: ignore[return-value]  # submit() hands it on
        return future.result()
