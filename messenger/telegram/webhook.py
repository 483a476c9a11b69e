"""Production mode: Telegram posts updates to /telegram/webhook/<secret>.

The update is handled before the answer, so a failure answers 500 and Telegram
delivers it again; a repeat is harmless (see SupportReplies)."""

import asyncio
import hmac
import json
import logging

from concurrent.futures import Executor

import tornado.web

from messenger.handlers import QuietAboutQueries
from messenger.telegram.replies import SupportReplies

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhook(QuietAboutQueries, tornado.web.RequestHandler):
    def initialize(self, secret: str, replies: SupportReplies, executor: Executor) -> None:
        self._secret = secret
        self._replies = replies
        self._executor = executor

    async def post(self, path_secret: str) -> None:
        header = self.request.headers.get(SECRET_HEADER, "")
        if not (hmac.compare_digest(path_secret.encode(), self._secret.encode())
                and hmac.compare_digest(header.encode(), self._secret.encode())):
            raise tornado.web.HTTPError(403)
        try:
            update = json.loads(self.request.body)
        except ValueError:
            raise tornado.web.HTTPError(400) from None
        if not isinstance(update, dict):
            raise tornado.web.HTTPError(400)
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._replies.handle, update)
        except Exception:
            log.exception("Telegram update %s not handled; Telegram will retry",
                          update.get("update_id"))
            raise tornado.web.HTTPError(500) from None
        self.finish({"ok": True})
