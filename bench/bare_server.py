#!/usr/bin/env python3
"""A bare Tornado WebSocket relay without storage: the throughput ceiling the
benchmark compares the messenger with, driven by the same load generator.

It speaks just enough of the messenger's protocol (versions 1 and 2, chosen
with ?v=) for the benchmark: a token (HS256, BENCH_JWT_SECRET) on connect, then
that user's chat_list; create_chat for a direct chat; send_message, answered
to the sender and relayed to the chat's other member in the frames the
messenger would send (version 2: message_new, then unread to the receiver;
version 1: chat_list, then chat_messages with the chat's newest 50 messages).
Everything lives in memory and is gone when it stops.

    BENCH_JWT_SECRET=… python bench/bare_server.py --port 8099"""

import argparse
import asyncio
import json
import os
import signal
import uuid
from collections import deque
from datetime import UTC, datetime

import jwt
import tornado.web
import tornado.websocket

WINDOW = 50
NAMESPACE = uuid.UUID("6f1c8e0a-3b0d-4a53-9d0e-5a8f8f2b7c11")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode(frame: dict, request_id=None) -> str:
    if request_id is not None:
        frame = {**frame, "request_id": request_id}
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))


class Chat:
    def __init__(self, chat_id: str, members: list[str], name: str):
        self.chat_id, self.members, self.name = chat_id, members, name
        self.created_at = self.updated_at = now_iso()
        self.messages: deque = deque(maxlen=WINDOW)
        self.unread = {member: 0 for member in members}

    def json(self, user: str) -> dict:
        return {"chat_id": self.chat_id, "chat_name": self.name,
                "users": [{"user_id": member} for member in self.members],
                "IsGroupChat": False,
                "lastest_message": self.messages[-1]["content"] if self.messages else "",
                "group_admin": "", "is_tech_support": False, "is_telegram_chat": False,
                "unread": self.unread.get(user, 0), "created_at": self.created_at,
                "updated_at": self.updated_at, "kind": "direct", "muted": False}


class Relay:
    def __init__(self, secret: str):
        self.secret = secret
        self.chats: dict[str, Chat] = {}
        self.user_chats: dict[str, list[Chat]] = {}
        self.sockets: dict[str, set] = {}

    def chat_list(self, user: str) -> dict:
        chats = sorted(self.user_chats.get(user, []), key=lambda c: c.updated_at, reverse=True)
        return {"type": "chat_list", "data": [chat.json(user) for chat in chats]}

    def send(self, user: str, texts: list[str], skip=None) -> None:
        for socket in self.sockets.get(user, ()):
            if socket is not skip:
                for text in texts:
                    socket.send(text)

    def create_chat(self, socket, data: dict, request_id) -> None:
        others = [entry["user_id"] for entry in data["with_user_id"]]
        members = [socket.user, others[0]]
        first, second = sorted(members)
        chat_id = str(uuid.uuid5(NAMESPACE, f"direct\x1f{first}\x1f{second}"))
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = Chat(chat_id, members, data.get("chat_name") or "bench")
            for member in members:
                self.user_chats.setdefault(member, []).append(chat)
        for member in members:
            for target in self.sockets.get(member, ()):
                frame = (self.chat_list(member) if target.version == 1
                         else {"type": "chat_updated", "data": chat.json(member)})
                target.send(encode(frame, request_id if target is socket else None))

    def send_message(self, socket, data: dict, request_id) -> None:
        chat = self.chats.get(data["chat_id"])
        if chat is None or socket.user not in chat.members:
            socket.send(encode({"type": "error", "data": {
                "code": "not_found", "message": "no such chat",
                "request_type": "send_message"}}, request_id))
            return
        at = now_iso()
        message = {"id": str(uuid.uuid4()), "chat_id": chat.chat_id, "sender": socket.user,
                   "content": data["content"], "is_read": False, "created_at": at,
                   "updated_at": at, "edited_at": None, "deleted": False, "attachments": []}
        chat.messages.append(message)
        chat.updated_at = at
        for member in chat.members:
            if member != socket.user:
                chat.unread[member] += 1
        v2_text = None
        for member in chat.members:
            for target in self.sockets.get(member, ()):
                reply = request_id if target is socket else None
                if target.version == 2:
                    if reply is None:
                        v2_text = v2_text or encode({"type": "message_new", "data": message})
                        target.send(v2_text)
                        if member != socket.user:
                            target.send(encode({"type": "unread", "data": {
                                "chat_id": chat.chat_id, "unread": chat.unread[member]}}))
                    else:
                        target.send(encode({"type": "message_new", "data": message}, reply))
                else:
                    shown = chat.json(member)
                    window = [{"id": m["id"], "sender": m["sender"], "content": m["content"],
                               "chat": shown, "is_read": m["is_read"],
                               "created_at": m["created_at"], "updated_at": m["updated_at"],
                               "edited_at": None, "deleted": False, "attachments": []}
                              for m in chat.messages]
                    target.send(encode(self.chat_list(member), reply))
                    target.send(encode({"type": "chat_messages", "chat_id": chat.chat_id,
                                        "data": window}, reply))


class Socket(tornado.websocket.WebSocketHandler):
    def initialize(self, relay: Relay) -> None:
        self.relay = relay

    def check_origin(self, origin: str) -> bool:
        return True

    def prepare(self) -> None:
        try:
            claims = jwt.decode(self.get_query_argument("token", ""), self.relay.secret,
                                algorithms=["HS256"])
        except jwt.InvalidTokenError:
            raise tornado.web.HTTPError(401) from None
        self.user = claims["sub"]
        self.version = int(self.get_query_argument("v", "1"))

    def open(self) -> None:
        self.set_nodelay(True)
        self.relay.sockets.setdefault(self.user, set()).add(self)
        self.send(encode(self.relay.chat_list(self.user)))

    def on_message(self, text) -> None:
        frame = json.loads(text)
        request_id, data = frame.get("request_id"), frame.get("data") or {}
        kind = frame.get("type")
        if kind == "send_message":
            self.relay.send_message(self, data, request_id)
        elif kind == "create_chat":
            self.relay.create_chat(self, data, request_id)
        else:
            self.send(encode({"type": "error", "data": {
                "code": "unknown_type", "message": "the bare relay knows only "
                "create_chat and send_message", "request_type": kind}}, request_id))

    def on_close(self) -> None:
        sockets = self.relay.sockets.get(self.user)
        if sockets is not None:
            sockets.discard(self)
            if not sockets:
                del self.relay.sockets[self.user]

    def send(self, text: str) -> None:
        try:
            self.write_message(text)
        except tornado.websocket.WebSocketClosedError:
            pass


class Health(tornado.web.RequestHandler):
    def get(self) -> None:
        self.finish({"status": "ok"})


async def serve(port: int) -> None:
    relay = Relay(os.environ["BENCH_JWT_SECRET"])
    application = tornado.web.Application([(r"/ws", Socket, {"relay": relay}),
                                           (r"/healthz", Health)])
    server = application.listen(port, "127.0.0.1")
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    await stopping.wait()
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    try:
        import uvloop  # optional
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
