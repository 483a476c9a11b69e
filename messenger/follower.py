"""A projection following the Messenger's events, kept running: if its thread
fails (a database hiccup, a provider library's surprise), it is started again
from its tracking position, with backoff, so one error never stops it for good."""

import logging
import threading

from eventsourcing.persistence import Tracking
from eventsourcing.projection import BaseProjectionRunner, Projection

from domain.application import Messenger

log = logging.getLogger(__name__)

FIRST_RESTART_S = 0.5
MAX_RESTART_S = 30.0


class Follower:
    def __init__(self, env: dict[str, str], projection: Projection, *,
                 from_now_on: bool = False):
        """`from_now_on`: a side effect switched on for an existing store (the
        Telegram bridge) starts with the next event, not with all of history."""
        self._env = env
        self._projection = projection
        self._closed = threading.Event()
        if from_now_on:
            self._skip_history()
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
        runner = BaseProjectionRunner(
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

    def _skip_history(self) -> None:
        view = self._projection.view
        if view.max_tracking_id(Messenger.name) is not None:
            return
        app = Messenger(self._env)
        try:
            last = app.recorder.max_notification_id()
        finally:
            app.close()
        # Recorded even for an empty store (as 0): the next start must resume
        # from here, not skip what was stored while this one ran.
        view.insert_tracking(Tracking(Messenger.name, last or 0))
