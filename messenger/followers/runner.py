"""The library's projection runner, handing a projection with `process_batch`
every event already fetched at once, and telling exactly which event it fails
on, so that an operator can be shown it and skip it (messenger/followers/follower.py)."""

import logging
import threading
import weakref

from eventsourcing.persistence import ListenNotifySubscription, Notification, Tracking
from eventsourcing.projection import ApplicationSubscription, BaseProjectionRunner, Projection

log = logging.getLogger("messenger.followers")

MAX_BATCH = 500  # events in one transaction of a projection that takes batches
NUDGE_S = 1.0


def _has_more_ready(subscription: ListenNotifySubscription) -> bool:
    """Whether the next notification is already fetched, so taking it does not
    wait. Reads the library's buffer (eventsourcing is pinned in setup.py)."""
    return (subscription._notifications_index < len(subscription._notifications)
            or not subscription._notifications_queue.empty())


class BatchingRunner(BaseProjectionRunner):
    """A projection with `process_batch` gets each batch (up to MAX_BATCH) with
    the events' stored forms, to commit them in one transaction; others get
    `process_event`. `watch` (messenger/followers/trouble.py) is told of each
    event processed and says which to skip; `failed_at` is the event in hand
    when the runner failed, None if it failed between events."""

    def __init__(self, *, watch, **kwargs):
        # Set before the library starts the processing thread, which reads them.
        self.watch = watch
        self.failed_at: Notification | None = None
        super().__init__(**kwargs)
        threading.Thread(target=self._nudge, daemon=True,
                         name=f"nudge-{self._projection.name}").start()

    def _nudge(self) -> None:
        """The library's PostgreSQL subscription reads what is stored, then starts
        to LISTEN: an event stored in between waits for the next NOTIFY, which
        may never come. Looking again every NUDGE_S bounds that wait."""
        while not self.is_interrupted.wait(NUDGE_S):
            self._subscription.subscription._has_been_notified.set()

    @staticmethod
    def _process_events_loop(subscription: ApplicationSubscription, projection: Projection,
                             is_stopping: threading.Event, runner: weakref.ref) -> None:
        this = runner()
        following = _Following(subscription, projection, this.watch, this.app)
        del this  # the runner must stay collectable
        try:
            following.run()
        except BaseException as error:
            if (this := runner()) is not None:
                this._thread_error = error
                this.failed_at = following.at
        finally:
            is_stopping.set()


class _Following:
    def __init__(self, subscription: ApplicationSubscription, projection: Projection, watch,
                 app):
        self._stored = subscription.subscription
        self._name = subscription.name
        self._mapper = subscription.mapper
        self._projection = projection
        self._batches = hasattr(projection, "process_batch")
        self._watch = watch
        self._app = app
        self.at: Notification | None = None  # the event in hand, when it is one event

    def run(self) -> None:
        for notification in self._stored:
            if not self._batches:
                self._one(notification)
                continue
            batch = [notification]
            while len(batch) < MAX_BATCH and _has_more_ready(self._stored):
                following = next(self._stored, None)
                if following is None:  # stopped: the batch in hand is still whole
                    break
                batch.append(following)
            self._batch(batch)

    def _batch(self, batch: list[Notification]) -> None:
        stuck_at = self._watch.stuck_at
        if stuck_at is None or not batch[0].id <= stuck_at <= batch[-1].id:
            try:
                self._projection.process_batch([
                    (self._mapper.to_domain_event(n), Tracking(self._name, n.id), n)
                    for n in batch])
            except Exception:
                # Nothing of the batch is stored: one event at a time, the one
                # that fails is known exactly (and a passing hiccup costs nothing).
                log.debug("a batch of %s failed: one event at a time", self._name,
                          exc_info=True)
            else:
                self._watch.processed(batch[-1].id)
                return
        for notification in batch:
            self._one(notification)

    def _one(self, notification: Notification) -> None:
        self.at = notification
        tracking = Tracking(self._name, notification.id)
        if self._watch.skipped(notification.id, self._app):
            self._projection.view.skip(tracking)
        elif self._batches:
            self._projection.process_batch(
                [(self._mapper.to_domain_event(notification), tracking, notification)])
        else:
            self._projection.process_event(self._mapper.to_domain_event(notification), tracking)
        self.at = None
        self._watch.processed(notification.id)
