"""The event recorders that write the inbox view in the transaction that
inserts the events (eventsourcing's hook for this: the keyword arguments of
Application.save reach the recorder inside that transaction, as its
ProcessRecorder stores tracking with events). A reply is then built from what
its own transaction wrote, with no follower to wait for; an event the view
cannot hold is never stored; and every process writes its own views, so no
leader caps the read model."""

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    InterfaceError, Notification, OperationalError, StoredEvent, Tracking
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

from messenger.store.sqlite_recorder import SQLiteSubscribableRecorder
from projections.added_columns import add_missing_columns
from projections.changes import Committed
from projections.inbox import InboxProjection
from projections.inbox_postgres import PostgresInboxView
from projections.inbox_sqlite import SQLiteInboxView

APPLICATION = "Messenger"  # whose events the view's tracking counts
CATCH_UP_PAGE = 500


class WritesInbox:
    """Mixed into an application recorder; `self.inbox` is set by the backend."""

    inbox: InboxProjection

    def create_table(self) -> None:
        super().create_table()
        self.inbox.view.create_table()
        add_missing_columns(self.inbox.view)  # to tables an earlier version made

    def _write_inbox(self, cursor, stored_events: Sequence[StoredEvent],
                     notification_ids: Sequence[int] | None, kwargs: dict) -> None:
        events = kwargs.get("events_to_project")
        if not events or not notification_ids:
            return
        assert len(events) == len(stored_events) == len(notification_ids)
        notes = kwargs.get("notes")
        committed = None
        if notes is not None:  # afresh for each attempt: a retried insert writes again
            committed = notes["committed"] = Committed()
        self._fill_gap(cursor, notification_ids[0], kwargs["to_domain_event"], committed)
        self.inbox.project(cursor, [(event, Tracking(APPLICATION, position))
                                    for event, position in zip(events, notification_ids)],
                           committed)

    def _fill_gap(self, cursor, first: int, to_domain_event, committed=None) -> None:
        """Events stored before these without the view (by an earlier version,
        a tool, or since a rebuild dropped it) are projected first, under the
        writers' lock this transaction holds: the view never skips an event.
        One statement when, as almost always, there is no gap."""
        cursor.execute(self._gap_statement, {"first": first, "app": APPLICATION})
        row = cursor.fetchone()
        before, tracked = row["before"], row["tracked"]
        if before is not None and (tracked or 0) < before:
            after = tracked or 0
            while page := self.select_notifications(start=after + 1, limit=CATCH_UP_PAGE,
                                                    stop=before):
                self.inbox.project(cursor, [(to_domain_event(n), Tracking(APPLICATION, n.id))
                                            for n in page], committed)
                after = page[-1].id

    def catch_up_inbox(self, to_domain_event: Callable[[Notification], Any],
                       on_page: Callable[[int], None] = lambda position: None) -> int:
        """Projects the events stored without the view (by an earlier version,
        or since a rebuild dropped it), a page per transaction, each holding
        other writers off (who would fill the gap themselves meanwhile).
        Tells `on_page` the position each page reached; returns how many events it read."""
        view, read = self.inbox.view, 0
        while (view.max_tracking_id(APPLICATION) or 0) < (self.max_notification_id() or 0):
            with self.datastore.transaction(commit=True) as cursor:
                self._hold_writers(cursor)
                # Read again under the lock: another process may have caught up first.
                position = view._max_tracking_id(APPLICATION, cursor) or 0
                page = self.select_notifications(start=position + 1, limit=CATCH_UP_PAGE)
                if not page:
                    break
                self.inbox.project(cursor, [
                    (to_domain_event(n), Tracking(APPLICATION, n.id)) for n in page])
                read += len(page)
            on_page(page[-1].id)
        return read

    def _hold_writers(self, cursor) -> None:
        """SQLite has one writer at a time: a write statement takes its lock."""
        cursor.execute("UPDATE tracking SET notification_id = notification_id")


class SQLiteInboxRecorder(WritesInbox, SQLiteSubscribableRecorder):
    def __init__(self, datastore, **kwargs):
        super().__init__(datastore, **kwargs)
        self.inbox = InboxProjection(SQLiteInboxView(datastore))
        self._gap_statement = (
            f"SELECT (SELECT MAX(rowid) FROM {self.events_table_name} WHERE rowid < :first)"
            " AS before, (SELECT notification_id FROM tracking WHERE application_name = :app)"
            " AS tracked")

    def _insert_events(self, c, stored_events: Sequence[StoredEvent], **kwargs: Any):
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        self._write_inbox(c, stored_events, notification_ids, kwargs)
        return notification_ids

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any):
        if not stored_events:  # a command that changed nothing takes no lock
            return []
        return super().insert_events(stored_events, **kwargs)  # which wakes this process's feeds


class PostgresInboxRecorder(WritesInbox, PostgresApplicationRecorder):
    def __init__(self, datastore, **kwargs):
        super().__init__(datastore, **kwargs)
        view = PostgresInboxView(datastore, tracking_table_name="inbox_tracking")
        self.inbox = InboxProjection(view)
        self._gap_statement = (
            f"SELECT (SELECT MAX(notification_id) FROM {self.events_table_name}"
            " WHERE notification_id < %(first)s) AS before, (SELECT notification_id FROM"
            f" {view.TRACKING_TABLE} WHERE application_name = %(app)s) AS tracked")

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any):
        """The library's insert (pipelined: lock, NOTIFY, INSERT ... RETURNING),
        then the view, in the same transaction. Not in its hooks: the library
        keeps an error raised there from ending the transaction, which would
        then commit the events without their view. The view is written after
        the pipeline ends: in one, a cursor that runs several statements
        answers a fetch with the first one's result."""
        if not stored_events:  # a command that changed nothing takes no lock
            return []
        error: Exception | None = None
        with self.datastore.get_connection() as conn:
            with conn.transaction(), conn.cursor() as curs:
                try:
                    with conn.pipeline():  # one round trip; a conflict is raised as it ends
                        self._insert_stored_events(curs, stored_events, **kwargs)
                    notification_ids = self._fetch_ids_after_insert_events(
                        curs, stored_events, **kwargs)
                except Exception as failure:  # re-raised outside, as the library does
                    error = failure
                    raise psycopg.Rollback() from None  # ends the transaction, kept nothing
                else:  # an error here ends the transaction: nothing is kept
                    self._write_inbox(curs, stored_events, notification_ids, kwargs)
            if error is not None:
                raise error
        return notification_ids

    def _hold_writers(self, cursor) -> None:
        self._lock_table(cursor)
