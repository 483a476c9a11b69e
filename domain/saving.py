"""How a use case's aggregates are stored: saves made at the same time share
one transaction (group commit), a conflicting save decides again, and the
domain events go to the recorder, which writes the read model with them."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from domain.group_commit import BatchConflictError, GroupCommit

SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class Saved:
    """What a command stored: the id it is about and the notification
    positions of its events (empty when there was nothing to change)."""

    id: UUID | None = None
    positions: tuple[int, ...] = ()
    created: bool = False  # the aggregate it is about did not exist before


class SavingApplication(Application[UUID]):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._group = GroupCommit(self.save)
        self._in_turn = threading.Lock()

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _record(self, processing_event):
        """Hands the domain events themselves to the recorder, which writes
        the read model from them in the transaction that stores them."""
        processing_event.saved_kwargs["events_to_project"] = processing_event.events
        # and how to read back events stored without it, should it find any
        processing_event.saved_kwargs["to_domain_event"] = self.mapper.to_domain_event
        return super()._record(processing_event)

    def _save(self, build: Callable[[], tuple[UUID, list[Aggregate]]]) -> Saved:
        """Saves the aggregates build() returns with the id they are about; a
        concurrent writer of the same aggregate (two first connections, two
        requests for one direct chat) makes it load and decide again."""
        alone, conflicts = False, 0
        while True:
            try:
                if alone:
                    # Those whose batch conflicted decide again one at a time, so
                    # they cannot conflict with each other again.
                    with self._in_turn:
                        about, aggregates = build()
                        recordings = self.save(*aggregates)
                else:
                    about, aggregates = build()
                    recordings = self._group.save(aggregates)
            except BatchConflictError:
                alone = True  # another's conflict, perhaps: decide again, without them
                continue
            except RecordConflictError:
                conflicts += 1
                if conflicts == SAVE_ATTEMPTS:
                    raise
                continue
            created = any(r.domain_event.originator_id == about
                          and r.domain_event.originator_version == 1 for r in recordings)
            return Saved(about, tuple(r.notification.id for r in recordings), created)
