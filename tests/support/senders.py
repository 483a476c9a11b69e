"""A client that sends in a loop with client_msg_ids, over protocol v2, and
remembers what was acknowledged: for tests that stop or kill servers under load."""

import asyncio
import json

import tornado.websocket

from messenger.auth import Tokens
from tests.support.harness import SECRET
from tests.support.processes import Served


class Sender:
    """Sends in a loop, with client_msg_ids, and remembers what was acknowledged."""

    def __init__(self, user: str):
        self.user = user
        self.acknowledged: list[str] = []
        self.unanswered: dict | None = None
        self.count = 0

    async def connect(self, served: Served) -> None:
        self.socket = await tornado.websocket.websocket_connect(
            served.url(Tokens(SECRET).issue(self.user)) + "&v=2")
        first = json.loads(await self.socket.read_message())
        self.support_chat_id = next(c["chat_id"] for c in first["data"] if c["is_tech_support"])

    @property
    def close_code(self) -> int | None:
        return self.socket.close_code

    async def request(self, frame: dict) -> dict | None:
        """The reply, or None if the connection closed first."""
        try:
            self.socket.write_message(json.dumps(frame))
        except tornado.websocket.WebSocketClosedError:
            return None
        while True:
            text = await self.socket.read_message()
            if text is None:
                return None
            reply = json.loads(text)
            if reply.get("request_id") == frame["request_id"]:
                return reply

    async def send_until_cut(self, chat_id: str) -> None:
        while True:
            self.count += 1
            content = f"{self.user} {self.count}"
            target = self.support_chat_id if self.count % 5 == 0 else chat_id
            self.unanswered = {"type": "send_message", "request_id": self.count, "data": {
                "chat_id": target, "content": content,
                "client_msg_id": f"{self.user}-{self.count}"}}
            reply = await self.request(self.unanswered)
            while reply is not None and reply["data"].get("code") == "rate_limited":
                # As a client does: wait as told, then send the same frame again.
                await asyncio.sleep(reply["data"]["retry_after_s"])
                reply = await self.request(self.unanswered)
            if reply is None:
                return  # the server is gone; the frame in hand may or may not be stored
            assert reply["type"] == "message_new", reply
            self.acknowledged.append(content)
            self.unanswered = None
