"""Thin Tornado handlers: authenticate, then hand frames to the Session."""

import tornado.web
import tornado.websocket

from messenger.auth import InvalidTokenError, Tokens
from messenger.session import Session

SUPPORTED_VERSIONS = ("1",)


def bearer_token(request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class ChatSocket(tornado.websocket.WebSocketHandler):
    def initialize(self, session: Session, tokens: Tokens) -> None:
        self._session = session
        self._tokens = tokens

    def check_origin(self, origin: str) -> bool:
        # Clients authenticate with a token, never a cookie, so a page on
        # another origin cannot act for a user it holds no token of.
        return True

    def prepare(self) -> None:
        """Runs before the upgrade: no connection exists without a verified user."""
        token = self.get_query_argument("token", None) or bearer_token(self.request)
        try:
            self.identity = self._tokens.verify(token)
        except InvalidTokenError:
            raise tornado.web.HTTPError(401, reason="Unauthorized") from None
        if self.get_query_argument("v", "1") not in SUPPORTED_VERSIONS:
            raise tornado.web.HTTPError(400, reason="Unsupported protocol version")
        self.user_id = self.identity.user_id
        self.user_name = self.identity.name

    async def open(self) -> None:
        # Without this, a client that sends and waits stalls ~40 ms per round
        # trip (Nagle's algorithm meeting delayed ACKs).
        self.set_nodelay(True)
        await self._session.connected(self, self.identity)

    async def on_message(self, message: str | bytes) -> None:
        # Tornado delivers the next frame only after this returns, so one
        # connection's requests are answered in the order they were sent.
        await self._session.handle(self, message)

    def on_close(self) -> None:
        self._session.disconnected(self)

    def send(self, text: str) -> None:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return
        try:
            self.write_message(text)
        except tornado.websocket.WebSocketClosedError:
            pass


class Health(tornado.web.RequestHandler):
    def initialize(self, probe) -> None:
        self._probe = probe

    async def get(self) -> None:
        healthy = await self._probe()
        self.set_status(200 if healthy else 503)
        self.finish({"status": "ok" if healthy else "store unreachable"})
