"""eventsourcing 9.5's SQLite recorder has no subscribe(); this one has.

A subscriber is woken right after every write made in this process, and polls
every POLL_INTERVAL_S for writes made by other processes on the same file, so
projections read both stores through one code path."""

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ListenNotifySubscription, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from messenger.store import local_wakeup

POLL_INTERVAL_S = 0.25

class SQLiteSubscribableRecorder(SQLiteApplicationRecorder):
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any):
        notification_ids = super().insert_events(stored_events, **kwargs)
        local_wakeup.committed(self.datastore.pool.db_name)  # after the commit: rows visible
        return notification_ids

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()):
        return SQLiteSubscription(recorder=self, gt=gt, topics=topics)


class SQLiteSubscription(ListenNotifySubscription[SQLiteSubscribableRecorder]):
    def __init__(self, recorder: SQLiteSubscribableRecorder, gt: int | None = None,
                 topics: Sequence[str] = ()) -> None:
        self._db_name = recorder.datastore.pool.db_name
        self._stopped = threading.Event()
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        local_wakeup.listen(self._db_name, self.wake)
        self._poll_thread = threading.Thread(target=self._poll, daemon=True)
        self._poll_thread.start()

    def wake(self) -> None:
        self._has_been_notified.set()

    def _poll(self) -> None:
        while not self._stopped.wait(POLL_INTERVAL_S):
            self.wake()

    def stop(self) -> None:
        self._stopped.set()
        local_wakeup.stop_listening(self._db_name, self.wake)
        super().stop()

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._poll_thread.join()
