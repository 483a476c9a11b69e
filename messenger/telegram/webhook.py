"""Production mode: Telegram posts updates to /telegram/webhook/<secret>.

The secret is checked before the body is read. The update is handled before
the answer: 200 once it is stored, or when it is malformed and so ignored
(Telegram would deliver it again for ever); 500 only when the store failed,
so that Telegram delivers it again, and a repeat is harmless (SupportReplies)."""

import asyncio
import hmac
import logging
from concurrent.futures import Executor

import tornado.web

from messenger import strings
from messenger.http.base import AuthenticatedBody, QuietAboutQueries
from messenger.telegram.replies import SupportReplies, update_id_of

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Room for a message and the one it replies to, each 4,096 characters that
# Telegram may send escaped (12 bytes an emoji), with their entities.
MAX_UPDATE_BYTES = 1024 * 1024


@tornado.web.stream_request_body
class TelegramWebhook(AuthenticatedBody, QuietAboutQueries, tornado.web.RequestHandler):
    max_body_bytes = MAX_UPDATE_BYTES

    def initialize(self, secret: str, replies: SupportReplies, executor: Executor) -> None:
        self._secret = secret
        self._replies = replies
        self._executor = executor

    def authenticate(self) -> None:
        [path_secret] = self.path_args
        header = self.request.headers.get(SECRET_HEADER, "")
        if not (hmac.compare_digest(path_secret.encode(), self._secret.encode())
                and hmac.compare_digest(header.encode(), self._secret.encode())):
            raise tornado.web.HTTPError(403)

    async def post(self, path_secret: str) -> None:
        try:
            update = strings.parse_json(self.body)  # SupportReplies checks the rest
        except strings.InvalidInputError as error:
            log.warning("Telegram update ignored: body %s", strings.loggable(error, 200))
            self.finish({"ok": True})
            return
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._replies.handle, update)
        except Exception:
            log.exception("Telegram update %s not handled; Telegram will retry",
                          update_id_of(update))
            raise tornado.web.HTTPError(500) from None
        self.finish({"ok": True})
