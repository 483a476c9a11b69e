"""A projection following the Messenger's events, kept running: if its thread
fails (a database hiccup, a provider library's surprise, an event it cannot
take), it is started again from its tracking position, with growing pauses
while the same event keeps failing (messenger/followers/trouble.py)."""

import threading

from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import BaseProjectionRunner, Projection

from domain.application import Messenger
from messenger.followers.runner import BatchingRunner
from messenger.followers.status import SKIPPABLE, follower_name
from messenger.followers.trouble import Trouble
from messenger.metrics import FOLLOWER_RESTARTS
from projections.failures import Failures


class Follower:
    def __init__(self, env: dict[str, str], projection: Projection):
        self._env = env
        self._projection = projection
        self.name = follower_name(projection.name)
        self._closed = threading.Event()
        self._lock = threading.Lock()  # between close() and a restart
        self.trouble = Trouble(self.name, Failures(projection.view), self.name in SKIPPABLE)
        self.runner = self._live = self._start()
        self.trouble.started()
        self._supervisor = threading.Thread(target=self._supervise, daemon=True,
                                            name=f"follow-{projection.name}")
        self._supervisor.start()

    @property
    def is_following(self) -> bool:
        return not self.runner.is_interrupted.is_set()

    def wait(self, position: int | None, timeout_s: float) -> None:
        self.runner.wait(position, timeout=timeout_s)

    def stopping(self) -> None:
        """From now on a failure is the stop, not the event (see stand_down)."""
        self._closed.set()

    def close(self) -> None:
        self._closed.set()
        self._stop_runner()

    def _start(self) -> BaseProjectionRunner:
        runner = BatchingRunner(
            watch=self.trouble, projection=self._projection, application_class=Messenger,
            tracking_recorder=self._projection.view, topics=self._projection.topics,
            env=self._env)
        runner.__enter__()
        return runner

    def _stop_runner(self) -> None:
        """Once per runner: raises what its thread failed with."""
        with self._lock:
            runner, self._live = self._live, None
        if runner is not None:
            runner.__exit__(None, None, None)

    def _supervise(self) -> None:
        while True:
            try:
                self.runner.run_forever()
                error: BaseException = RuntimeError("stopped following")
            except Exception as failure:
                error = failure
            if self._closed.is_set():
                return  # stopping: what was in hand is taken up after the next start
            FOLLOWER_RESTARTS.labels(self._projection.name).inc()
            self.trouble.failed(self.runner.failed_at, error)
            try:
                self._stop_runner()
            except Exception:
                pass  # the error just reported
            if not self._restart():
                return

    def _restart(self) -> bool:
        """False if closed first."""
        while not self.trouble.wait(self._closed):
            try:
                with self._lock:
                    if self._closed.is_set():
                        return False
                    self.runner = self._live = self._start()
            except Exception as error:
                self.trouble.failed(None, error)
                continue
            self.trouble.started()
            return True
        return False


def stand_down(follower: Follower, term: threading.Event, stopped: type[Exception]) -> None:
    """Stops a side effect's follower: its term ends, cutting its waits short
    (they raise `stopped`), and the event in hand is taken up by the next leader."""
    follower.stopping()
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
