"""A stand-in for Telegram's Bot API on 127.0.0.1: it records what the bot
sends, hands out updates to long polling, and can be told to fail."""

import asyncio
import itertools
import json
import time

import tornado.httpserver
import tornado.netutil
import tornado.web

BOT_TOKEN = "123456:TEST-token-for-the-stand-in"
SUPPORT_CHAT_ID = "-100777"
MAX_TEXT_UNITS = 4096  # Telegram's cap, counted the stricter way: in UTF-16 code units


class StandIn:
    def __init__(self):
        self.sent: list[dict] = []  # every sendMessage Telegram accepted
        self.attempts = 0  # every sendMessage asked for, accepted or not
        self.failures: list[tuple[int, dict]] = []  # answers to give before accepting
        self.always_fail: tuple[int, dict] | None = None
        self.webhooks: list[dict] = []
        self.updates: list[dict] = []
        self._message_ids = itertools.count(1000)
        self._update_ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._new_post = asyncio.Event()

    async def start(self) -> None:
        app = tornado.web.Application([(r"/bot([^/]+)/(\w+)", _Method, {"standin": self})])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}"
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()

    def message(self, text: str | None, reply_to: int | None, **extra) -> dict:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": int(SUPPORT_CHAT_ID), "type": "supergroup"},
                   "from": {"id": 42, "is_bot": False, "first_name": "Ольга",
                            "last_name": "Support"}, **extra}
        if text is not None:
            message["text"] = text
        if reply_to is not None:
            message["reply_to_message"] = {"message_id": reply_to, "date": int(time.time()),
                                           "chat": message["chat"]}
        return {"update_id": next(self._update_ids), "message": message}

    def queue_update(self, update: dict) -> None:
        self.updates.append(update)
        self._new_update.set()

    async def posts(self, count: int, timeout_s: float = 20) -> list[dict]:
        """Waits until Telegram has accepted `count` messages in all."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while len(self.sent) < count:
            self._new_post.clear()
            await asyncio.wait_for(self._new_post.wait(), deadline - asyncio.get_running_loop().time())
        return self.sent

    def answer(self, method: str, params: dict):
        if method == "sendMessage":
            self.attempts += 1
            if len(params["text"].encode("utf-16-le")) > 2 * MAX_TEXT_UNITS:
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: message is too long"}
            if self.failures:
                return self.failures.pop(0)
            if self.always_fail:
                return self.always_fail
            message = {"message_id": next(self._message_ids), "date": int(time.time()),
                       "chat": {"id": int(params["chat_id"]), "type": "supergroup"},
                       "from": {"id": 1, "is_bot": True, "first_name": "bot"},
                       "text": params["text"]}
            self.sent.append({**params, "message_id": message["message_id"]})
            self._new_post.set()
            return 200, {"ok": True, "result": message}
        if method in ("setWebhook", "deleteWebhook"):
            self.webhooks.append({"method": method, **params})
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return 200, {"ok": True, "result": list(self.updates)}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


def too_many_requests(retry_after: int) -> tuple[int, dict]:
    return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                 "parameters": {"retry_after": retry_after}}


BAD_GATEWAY = (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})


class _Method(tornado.web.RequestHandler):
    def initialize(self, standin: StandIn) -> None:
        self.standin = standin

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        if token != BOT_TOKEN:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = {name: self.get_argument(name) for name in self.request.arguments}
        if method == "getUpdates" and not [
                u for u in self.standin.updates if u["update_id"] >= int(params.get("offset") or 0)]:
            # Long polling: hold the request until an update arrives or time runs out.
            self.standin._new_update.clear()
            try:
                await asyncio.wait_for(self.standin._new_update.wait(),
                                       float(params.get("timeout") or 0))
            except asyncio.TimeoutError:
                pass
        status, body = self.standin.answer(method, params)
        self.set_status(status)
        self.finish(json.dumps(body))
