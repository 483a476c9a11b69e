"""A real server on a loopback port, real WebSocket clients, and what the
tests assert about them."""


import asyncio
import inspect
import itertools
import json
import os
import uuid
from dataclasses import replace
from pathlib import Path

import jsonschema
import tornado.httpclient
import tornado.websocket
from tornado.httpclient import HTTPRequest

from messenger.auth import Tokens
from messenger.config import Config
from messenger.server import MessengerServer

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository
POSTGRES_ADMIN_URL = os.environ.get("MESSENGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")


SECRET = "test-secret-" + uuid.uuid4().hex  # made per run, never a committed secret


SERVICE_TOKEN = "test-service-" + uuid.uuid4().hex


REPLY_TIMEOUT_S = 10


PROTOCOL = jsonschema.Draft202012Validator(
    json.loads((ROOT / "messenger" / "wire" / "protocol.schema.json").read_text()))
# How many frames answer a request, by protocol version (errors are always one).


REPLY_FRAMES = {1: {"send_message": 2, "get_chat_messages": 2, "edit_message": 2,
                    "delete_message": 2, "react": 2, "unreact": 2}, 2: {}}


class Client:
    """One WebSocket connection. Replies to our requests are matched by
    request_id; everything else the server pushes is kept in `pushed`."""

    _ids = itertools.count(1)

    def __init__(self, socket, user_id: str, version: int = 1):
        self.socket = socket
        self.user_id = user_id
        self.version = version
        self.pushed: list[dict] = []
        self.initial_chats: list[dict] = []
        self.support_chat_id = ""
        self._replies: dict = {}

    async def _read(self) -> dict:
        text = await asyncio.wait_for(self.socket.read_message(), REPLY_TIMEOUT_S)
        assert text is not None, "the server closed the connection"
        frame = json.loads(text)
        PROTOCOL.validate(frame)  # every frame a test receives is in the published protocol
        if "request_id" in frame:
            self._replies.setdefault(frame["request_id"], []).append(frame)
        else:
            self.pushed.append(frame)
        return frame

    async def call(self, kind: str, data=None, **extra) -> list[dict]:
        request_id = extra.pop("request_id", f"r{next(self._ids)}")
        frame = {"type": kind, "data": data if data is not None else {}, "request_id": request_id,
                 **extra}
        return await self.send_raw(json.dumps(frame), request_id,
                                   REPLY_FRAMES[self.version].get(kind, 1))

    async def send_raw(self, text: str, request_id, frames: int = 1) -> list[dict]:
        self.socket.write_message(text)
        while True:
            replies = self._replies.get(request_id, [])
            if replies and (replies[0]["type"] == "error" or len(replies) >= frames):
                return self._replies.pop(request_id)
            await self._read()

    async def push(self, kind: str, where=lambda frame: True) -> dict:
        """The first pushed frame of this kind that satisfies `where`."""
        while True:
            for frame in self.pushed:
                if frame["type"] == kind and where(frame):
                    self.pushed.remove(frame)
                    return frame
            await self._read()

    async def first_chat_list(self) -> list[dict]:
        return (await self.push("chat_list"))["data"]

    async def chats(self) -> list[dict]:
        """The current chat list, asked for through a harmless request."""
        replies = await self.call("get_chat_messages", {"chat_id": self.support_chat_id})
        return replies[1]["data"]

    def close(self) -> None:
        self.socket.close()


class Harness:
    def __init__(self, config: Config):
        self.config = config
        self.server: MessengerServer | None = None
        self.clients: list[Client] = []
        self.tokens = Tokens(SECRET)

    async def start(self) -> None:
        self.server = MessengerServer(self.config)
        port = await self.server.start()
        self.config = replace(self.config, port=port)  # a restart comes back on the same port

    async def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()
        await self.server.stop()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.config.port}/ws"

    async def post(self, path: str, body, token: str | None = SERVICE_TOKEN):
        """A service API call; returns (status, JSON answer)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = await tornado.httpclient.AsyncHTTPClient().fetch(
            f"http://127.0.0.1:{self.config.port}{path}", method="POST", headers=headers,
            body=body if isinstance(body, str) else json.dumps(body), raise_error=False)
        return answer.code, json.loads(answer.body or b"null")

    async def connect(self, user_id: str, name: str = "", version: int = 1) -> Client:
        """Connects and reads the chat list that every connection starts with."""
        socket = await tornado.websocket.websocket_connect(
            HTTPRequest(f"{self.url}?token={self.tokens.issue(user_id, name)}&v={version}"))
        client = Client(socket, user_id, version)
        self.clients.append(client)
        client.initial_chats = await client.first_chat_list()
        client.support_chat_id = next(
            chat["chat_id"] for chat in client.initial_chats if chat["is_tech_support"])
        return client


def by_id(chats: list[dict], chat_id: str) -> dict:
    matches = [chat for chat in chats if chat["chat_id"] == chat_id]
    assert matches, f"chat {chat_id} not in the list"
    return matches[0]


def ids(chats: list[dict]) -> list[str]:
    return [chat["chat_id"] for chat in chats]


# --- stand-ins and settings for `run.py serve` in processes of its own --------


def running(io_loop, standin):
    """For a fixture: `yield from running(io_loop, StandIn())` starts it, and
    stops it after the test."""
    io_loop.run_sync(standin.start)
    yield standin
    io_loop.run_sync(standin.stop)


async def until(condition, timeout_s: float = 30) -> None:
    """Waits until condition() (a value, or an awaitable of one) is true."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await _value(condition()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _value(result):
    return await result if inspect.isawaitable(result) else result


def unlimited(config: Config) -> Config:
    """No request limits: for fuzzing, which sends as fast as it can."""
    return replace(config, requests_per_s=1e6, request_burst=10**6, user_requests_per_s=1e6,
                   user_request_burst=10**6)


def inbox_of(store, users) -> dict:
    """Each user's chat list and the messages of each of their chats."""
    return {user: (store.view.chat_list(user),
                   [store.view.messages(chat.chat_id) for chat in store.view.chat_list(user)])
            for user in users}


def assert_views_equal_a_rebuild(io_loop, harness: Harness, users) -> None:
    """Stops the harness's server, rebuilds the inbox from the events alone,
    and asserts the users' inboxes are what the live server had."""
    from messenger.store.store import Store, drop_view
    store = harness.server.store
    io_loop.run_sync(lambda: harness.server.commands.query(store.wait_for_view, 30))
    live = inbox_of(store, users)
    io_loop.run_sync(harness.stop)
    drop_view(harness.config)
    rebuilt = Store(harness.config)
    rebuilt.lead()
    try:
        rebuilt.wait_for_view(timeout_s=60)
        assert inbox_of(rebuilt, users) == live
    finally:
        rebuilt.close()
    io_loop.run_sync(harness.start)  # for symmetry with the other tests' teardown
    io_loop.run_sync(harness.stop)
