"""A projection following the Messenger's events, kept running: if its thread
fails (a database hiccup, a provider library's surprise), it is started again
from its tracking position, with backoff, so one error never stops it for good."""

import logging
import threading
import weakref

from eventsourcing.persistence import IntegrityError, ListenNotifySubscription, Tracking
from eventsourcing.projection import ApplicationSubscription, BaseProjectionRunner, Projection

from domain.application import Messenger
from messenger.metrics import FOLLOWER_RESTARTS

log = logging.getLogger(__name__)

FIRST_RESTART_S = 0.5
MAX_RESTART_S = 30.0
MAX_BATCH = 500  # events in one transaction of a projection that takes batches
NUDGE_S = 1.0


def _has_more_ready(subscription: ListenNotifySubscription) -> bool:
    """Whether the next notification is already fetched, so taking it does not
    wait. Reads the library's buffer (eventsourcing is pinned in setup.py)."""
    return (subscription._notifications_index < len(subscription._notifications)
            or not subscription._notifications_queue.empty())


class BatchingRunner(BaseProjectionRunner):
    """The library's runner, handing a projection with `process_batch` every
    event already fetched (up to MAX_BATCH) at once, each with its stored form,
    so it can commit them in one transaction. Others get `process_event`."""

    def __init__(self, **kwargs):
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
        if not hasattr(projection, "process_batch"):
            return BaseProjectionRunner._process_events_loop(
                subscription=subscription, projection=projection, is_stopping=is_stopping,
                runner=runner)
        stored = subscription.subscription
        try:
            for notification in stored:
                batch = [notification]
                while len(batch) < MAX_BATCH and _has_more_ready(stored):
                    following = next(stored, None)
                    if following is None:  # stopped: the batch in hand is still whole
                        break
                    batch.append(following)
                projection.process_batch([
                    (subscription.mapper.to_domain_event(n), Tracking(subscription.name, n.id), n)
                    for n in batch])
        except BaseException as error:
            if (this := runner()) is not None:
                this._thread_error = error
        finally:
            is_stopping.set()


class Follower:
    def __init__(self, env: dict[str, str], projection: Projection):
        self._env = env
        self._projection = projection
        self._closed = threading.Event()
        self.runner = self._start()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                            name=f"follow-{projection.name}")
        self._supervisor.start()

    @property
    def is_following(self) -> bool:
        return not self.runner.is_interrupted.is_set()

    def wait(self, position: int | None, timeout_s: float) -> None:
        self.runner.wait(position, timeout=timeout_s)

    def close(self) -> None:
        self._closed.set()
        self.runner.__exit__(None, None, None)

    def _start(self) -> BaseProjectionRunner:
        runner = BatchingRunner(
            projection=self._projection, application_class=Messenger,
            tracking_recorder=self._projection.view, topics=self._projection.topics,
            env=self._env)
        runner.__enter__()
        return runner

    def _supervise(self) -> None:
        backoff = FIRST_RESTART_S
        while not self._closed.is_set():
            try:
                self.runner.run_forever()
            except Exception:
                if self._closed.is_set():
                    return  # stopping: what was in hand is taken up after the next start
                log.exception("projection %s failed", self._projection.name)
                FOLLOWER_RESTARTS.labels(self._projection.name).inc()
            if self._closed.wait(backoff):
                return
            try:
                self.runner.__exit__(None, None, None)
            except Exception:
                pass  # already reported above
            try:
                self.runner = self._start()
                log.warning("projection %s restarted", self._projection.name)
                backoff = FIRST_RESTART_S
            except Exception:
                log.exception("projection %s could not restart", self._projection.name)
                backoff = min(backoff * 2, MAX_RESTART_S)


def stand_down(follower: Follower, term: threading.Event, stopped: type[Exception]) -> None:
    """Stops a side effect's follower: its term ends, cutting its waits short
    (they raise `stopped`), and the event in hand is taken up by the next leader."""
    term.set()
    try:
        follower.close()
    except stopped:
        pass


def skip_history(env: dict[str, str], view) -> None:
    """A side effect switched on for an existing store (the Telegram bridge)
    starts with the next event, not with all of history: marks where it is
    switched on, if it never ran, before this process serves anyone."""
    if view.max_tracking_id(Messenger.name) is not None:
        return
    app = Messenger(env)
    try:
        last = app.recorder.max_notification_id()
    finally:
        app.close()
    try:
        # Recorded even for an empty store (as 0): the next start must resume
        # from here, not skip what was stored while this one ran.
        view.insert_tracking(Tracking(Messenger.name, last or 0))
    except IntegrityError:
        pass  # another process marked it first
