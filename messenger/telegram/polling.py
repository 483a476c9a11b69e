"""Development mode: long polling for updates on a thread of its own.

An update's offset is confirmed (by asking for the next ones) only after it
was handled, so a crash re-delivers it, and SupportReplies makes that harmless."""

import logging
import threading

import telebot

from messenger.telegram.bot_api import FIRST_BACKOFF_S, MAX_BACKOFF_S, BotApi, StoppedError
from messenger.telegram.replies import SupportReplies, update_id_of

log = logging.getLogger(__name__)

POLL_TIMEOUT_S = 10


class LongPolling:
    def __init__(self, api: BotApi, replies: SupportReplies, stopping: threading.Event):
        self._api = api
        self._replies = replies
        self._stopping = stopping
        # A daemon: a stop does not wait for a long poll that is still open.
        self._thread = threading.Thread(target=self._run, name="telegram-polling", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _handle(self, update: dict) -> None:
        """Handled before its offset moves on: a failure (the store unreachable;
        a malformed update is not one, SupportReplies ignores it) is retried,
        with backoff, until it goes through or the bridge stops."""
        backoff = FIRST_BACKOFF_S
        while True:
            try:
                return self._api.with_retries(lambda: self._replies.handle(update))
            except StoppedError:
                raise
            except Exception:
                log.exception("Telegram update %s not handled; retrying in %.1f s",
                              update_id_of(update), backoff)
            if self._stopping.wait(backoff):
                raise StoppedError
            backoff = min(backoff * 2, MAX_BACKOFF_S)

    def _run(self) -> None:
        try:
            # getUpdates is refused while a webhook is set.
            self._api.with_retries(lambda: self._api.bot.delete_webhook())
            offset = None
            while not self._stopping.is_set():
                updates = self._api.with_retries(lambda: telebot.apihelper.get_updates(
                    self._api.bot.token, offset=offset, long_polling_timeout=POLL_TIMEOUT_S))
                confirmed = offset
                for update in updates:
                    self._handle(update)
                    offset = _next_offset(offset, update)
                if updates and offset == confirmed:
                    # Nothing could be confirmed: asking again at once would spin.
                    self._stopping.wait(POLL_TIMEOUT_S)
        except StoppedError:
            pass
        except Exception:
            log.exception("Telegram polling stopped")


def _next_offset(offset: int | None, update) -> int | None:
    """Past this update. One without a numeric id (Telegram's always have
    one) cannot be confirmed: it comes again, and is ignored again."""
    update_id = update.get("update_id") if isinstance(update, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return offset
    return max(offset or 0, update_id + 1)
