"""GET /healthz: whether this process serves, and which followers are stuck."""

import asyncio

import tornado.web

from messenger.followers.status import FollowerStatus, statuses
from messenger.http.base import QuietAboutQueries

HEALTH_TIMEOUT_S = 2.0


class HealthProbe:
    """`views`: the followers' views by operator name (blocking to read)."""

    def __init__(self, store, feed, commands, views):
        self._store = store
        self._feed = feed
        self._commands = commands
        self._views = views

    def followers(self) -> list[FollowerStatus]:
        """Where each follower is, and what it is stuck on (blocking)."""
        head = self._store.app.recorder.max_notification_id() or 0
        return statuses(self._views(), head)

    async def __call__(self) -> tuple[bool, dict]:
        unreachable = {"status": "store unreachable"}
        if not (self._feed.is_running and self._feed.database_up):
            return False, unreachable
        try:
            # A probe answers in time: the store's own retries may take far longer.
            return await asyncio.wait_for(self._commands.query(self._now), HEALTH_TIMEOUT_S)
        except Exception:  # timed out, or the store failed
            return False, unreachable

    def _now(self) -> tuple[bool, dict]:
        """A stuck follower (push, Telegram, the audit index) is named, but
        users still chat: 200."""
        stuck = [status.failure for status in self.followers() if status.failure]
        body = {"stuck": [failure.as_json() for failure in stuck]}
        if not self._store.is_healthy():
            return False, {"status": "store unreachable", **body}
        return True, {"status": "degraded" if stuck else "ok", **body}


class Health(QuietAboutQueries, tornado.web.RequestHandler):
    def initialize(self, probe) -> None:
        self._probe = probe

    async def get(self) -> None:
        healthy, body = await self._probe()  # body: status, and the followers stuck
        self.set_status(200 if healthy else 503)
        self.finish(body)
