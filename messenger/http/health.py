"""GET /healthz: whether this process serves, and its followers' lag."""

import tornado.web

from messenger.http.base import QuietAboutQueries


class Health(QuietAboutQueries, tornado.web.RequestHandler):
    def initialize(self, probe) -> None:
        self._probe = probe

    async def get(self) -> None:
        healthy, body = await self._probe()  # body: status, and the followers stuck
        self.set_status(200 if healthy else 503)
        self.finish(body)
