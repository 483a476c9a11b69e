"""The WebSocket handler: authenticate the upgrade, then hand frames to the Session."""

import asyncio
import logging
import secrets
import time

import tornado.ioloop
import tornado.iostream
import tornado.web
import tornado.websocket

from messenger.auth import InvalidTokenError, Tokens
from messenger.http.base import QuietAboutQueries, bearer_token
from messenger.ws.session import Session

SUPPORTED_VERSIONS = ("1", "2")

log = logging.getLogger(__name__)


class ChatSocket(QuietAboutQueries, tornado.websocket.WebSocketHandler):
    def initialize(self, session: Session, tokens: Tokens, max_pending_bytes: int) -> None:
        self._session = session
        self._tokens = tokens
        self._max_pending_bytes = max_pending_bytes
        self._pending_bytes = 0
        # Live frames wait here until the chat list has gone: a client's
        # first frame is always its chat list.
        self._held: list[str] | None = []

    def check_origin(self, origin: str) -> bool:
        # Clients authenticate with a token, never a cookie, so a page on
        # another origin cannot act for a user it holds no token of.
        return True

    def prepare(self) -> None:
        """Runs before the upgrade: no connection exists without a verified user."""
        token = self.get_query_argument("token", None) or bearer_token(self.request)
        try:
            self.identity = self._tokens.verify(token)
        except InvalidTokenError as refusal:
            return self._refuse(401, str(refusal))
        version = self.get_query_argument("v", "1")
        if version not in SUPPORTED_VERSIONS:
            return self._refuse(400, "unsupported protocol version: use v="
                                + " or v=".join(SUPPORTED_VERSIONS))
        self.version = int(version)
        self.user_id = self.identity.user_id
        self.user_name = self.identity.name
        self.connection_id = secrets.token_hex(4)

    def _refuse(self, status: int, why: str) -> None:
        """Says why, in JSON as the service API does; a request finished in
        prepare() is never upgraded."""
        self.set_status(status)
        self.finish({"error": {"status": status, "message": why}})

    async def open(self) -> None:
        # Without this, a client that sends and waits stalls ~40 ms per round
        # trip (Nagle's algorithm meeting delayed ACKs).
        self.set_nodelay(True)
        if self.identity.expires_at is not None:
            # A connection lasts no longer than the token it was opened with.
            self._expiry = tornado.ioloop.IOLoop.current().call_at(
                tornado.ioloop.IOLoop.current().time() + self.identity.expires_at - time.time(),
                lambda: self.close(1008, "token expired"))
        try:
            await self._session.connected(self, self.identity)
        except asyncio.CancelledError:
            return  # the server is stopping
        except Exception:
            log.exception("could not open a connection for %s", self.user_id)
            self.close(1011, "server error, reconnect later")

    async def on_message(self, message: str | bytes) -> None:
        # Tornado delivers the next frame only after this returns, so one
        # connection's requests are answered in the order they were sent.
        try:
            await self._session.handle(self, message)
        except asyncio.CancelledError:
            pass  # the server is stopping; the client reconnects and retries

    def on_close(self) -> None:
        if getattr(self, "_expiry", None) is not None:
            tornado.ioloop.IOLoop.current().remove_timeout(self._expiry)
        self._session.disconnected(self)

    def open_with(self, text: str) -> None:
        """Sends the first frame, then the live frames that waited for it."""
        held, self._held = self._held or [], None
        for frame in [text, *held]:
            self.send(frame)

    def send(self, text: str) -> None:
        """Queues a frame. A client that stops reading is let go once
        max_pending_bytes wait for it, so it slows nobody and holds no memory."""
        if self.ws_connection is None or self.ws_connection.is_closing():
            return
        if self._held is not None:
            self._held.append(text)
            return
        if self._pending_bytes > self._max_pending_bytes:
            log.warning("closing a connection of %s: it does not read", self.user_id)
            self.close(1013, "too slow: reconnect and fetch what you missed")
            return
        try:
            written = self._write(text)
        except (tornado.websocket.WebSocketClosedError, tornado.iostream.StreamClosedError):
            return
        self._pending_bytes += len(text)
        written.add_done_callback(lambda _: self._written(len(text)))

    def _write(self, text: str | bytes):
        """write_message, without the coroutine and Task it wraps around every
        frame's write (a tenth of the IOLoop's time under load): the stream's
        own future says when the frame has left."""
        protocol = self.ws_connection
        if protocol._compressor is not None or not isinstance(text, bytes):
            return self.write_message(text)
        protocol._message_bytes_out += len(text)
        return protocol._write_frame(True, 0x1, text)

    def _written(self, size: int) -> None:
        self._pending_bytes -= size
