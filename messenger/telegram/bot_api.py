"""The Bot API through pyTelegramBotAPI, pointed at a configurable base URL
(tests use a stand-in on 127.0.0.1), with the retry rules the bridge needs."""

import logging
import threading

import requests
import telebot
from telebot.apihelper import ApiException, ApiTelegramException

from messenger.metrics import TELEGRAM

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 60.0
FIRST_BACKOFF_S = 0.5
# Telegram refuses a longer message. Counted in UTF-16 code units, the
# stricter of the two readings of its rule, so an emoji counts twice.
TELEGRAM_MAX_CHARS = 4096
CUT_MARKER = "… [обрезано]"


class StoppedError(Exception):
    """The bridge is stopping; what was being sent is left for the next start."""


class UndeliverableError(Exception):
    """Telegram refused this request for good (400): retrying cannot help."""


class BotApi:
    def __init__(self, token: str, api_url: str, stopping: threading.Event):
        # pyTelegramBotAPI keeps its base URL in a module setting.
        telebot.apihelper.API_URL = f"{api_url}/bot{{0}}/{{1}}"
        self.bot = telebot.TeleBot(token, threaded=False, parse_mode=None)
        self._stopping = stopping

    def send(self, chat_id: str, text: str, reply_to: int | None = None) -> int:
        """Sends until Telegram takes it; returns the new message's id."""
        message = self.with_retries(lambda: self.send_once(chat_id, text, reply_to))
        return message.message_id

    def send_once(self, chat_id: str, text: str, reply_to: int | None = None):
        """Every message to Telegram goes through here, cut to fit its cap."""
        return self.bot.send_message(chat_id, within_cap(text), reply_to_message_id=reply_to,
                                     allow_sending_without_reply=True)

    def with_retries(self, call):
        """429 waits as long as Telegram says; network errors, 5xx and
        configuration errors (401, 403, 404: a wrong token or chat, which an
        operator can fix) back off up to a minute; 400 gives up."""
        backoff = FIRST_BACKOFF_S
        while True:
            if self._stopping.is_set():
                raise StoppedError
            try:
                return call()
            except ApiTelegramException as error:
                if error.error_code == 429:
                    parameters = (error.result_json or {}).get("parameters") or {}
                    delay = float(parameters.get("retry_after", backoff))
                    log.warning("Telegram rate limit: retrying in %.1f s", delay)
                elif error.error_code == 400:
                    raise UndeliverableError(error.description) from error
                else:
                    delay = backoff
                    log.error("Telegram answered %s: %s; retrying in %.1f s",
                              error.error_code, error.description, delay)
            except (requests.RequestException, ApiException) as error:
                # Only the class: the error's text holds the URL, and so the bot token.
                delay = backoff
                log.warning("Telegram unreachable (%s); retrying in %.1f s",
                            type(error).__name__, delay)
            TELEGRAM.labels("retry").inc()
            if self._stopping.wait(delay):
                raise StoppedError
            backoff = min(backoff * 2, MAX_BACKOFF_S)


def within_cap(text: str) -> str:
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) <= 2 * TELEGRAM_MAX_CHARS:
        return text
    room = 2 * (TELEGRAM_MAX_CHARS - len(CUT_MARKER))
    # "ignore" drops half an emoji left at the cut.
    return units[:room].decode("utf-16-le", "ignore") + CUT_MARKER
