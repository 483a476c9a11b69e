"""Six members of one group, three on each of two `run.py serve` processes,
all sending at once over protocol v2: each member gets every message exactly
once (their own as the reply, the others' live), and what arrives live comes
in the order history keeps."""

import asyncio
import json

import pytest
import tornado.websocket

from messenger.auth import Tokens
from tests.support.harness import SECRET, until
from tests.support.processes import Served

MEMBERS = [f"m{n}" for n in range(6)]
SENDS = 15


class Member:
    def __init__(self, user: str):
        self.user = user
        self.replies: list[str] = []  # ids of own messages, as acknowledged
        self.live: list[str] = []  # ids of others' messages, in arrival order
        self._answered: dict[str, asyncio.Future] = {}

    async def connect(self, served: Served) -> None:
        self.socket = await tornado.websocket.websocket_connect(
            served.url(Tokens(SECRET).issue(self.user)) + "&v=2")
        await self.socket.read_message()  # the chat list
        self._reading = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        while (text := await self.socket.read_message()) is not None:
            frame = json.loads(text)
            answered = self._answered.pop(frame.get("request_id"), None)
            if answered is not None:
                answered.set_result(frame)
            elif frame["type"] == "message_new":
                self.live.append(frame["data"]["id"])

    async def call(self, request_id: str, kind: str, data: dict) -> dict:
        while True:  # a rate-limited request is sent again when told, as a client does
            answered = self._answered[request_id] = asyncio.get_running_loop().create_future()
            self.socket.write_message(json.dumps({"type": kind, "request_id": request_id,
                                                  "data": data}))
            frame = await asyncio.wait_for(answered, 10)
            if frame["type"] != "error" or frame["data"]["code"] != "rate_limited":
                return frame
            await asyncio.sleep(frame["data"]["retry_after_s"])

    async def send_all(self, chat_id: str) -> None:
        for n in range(SENDS):
            reply = await self.call(f"{self.user}-{n}", "send_message", {
                "chat_id": chat_id, "content": f"{self.user} {n}",
                "client_msg_id": f"{self.user}-{n}"})
            assert reply["type"] == "message_new", reply
            self.replies.append(reply["data"]["id"])


@pytest.mark.gen_test(timeout=180)
async def test_six_members_on_two_processes_see_each_message_once_in_history_order(env):
    servers = [Served(env), Served(env)]
    members = [Member(user) for user in MEMBERS]
    try:
        for served in servers:
            await served.start()
        for n, member in enumerate(members):
            await member.connect(servers[n % 2])
        created = await members[0].call("c", "create_chat", {
            "with_user_id": [{"user_id": user} for user in MEMBERS[1:]], "chat_name": "Смена"})
        chat_id = created["data"]["chat_id"]

        await asyncio.gather(*(member.send_all(chat_id) for member in members))

        total = len(MEMBERS) * SENDS
        await until(lambda: all(len(m.live) == total - SENDS for m in members), timeout_s=30)
        page = await members[0].call("h", "get_chat_messages", {"chat_id": chat_id,
                                                                "limit": 1000})
        history = [message["id"] for message in page["data"]]
        assert len(history) == total == len(set(history))
        for member in members:
            seen = member.replies + member.live
            assert sorted(seen) == sorted(history), member.user  # every message, once each
            assert member.live == [i for i in history if i in set(member.live)], member.user
    finally:
        for member in members:
            member.socket.close()
        for served in servers:
            await served.stop()
