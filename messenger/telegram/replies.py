"""A support agent's Telegram reply to a bridged post becomes a message from
the support side in that user's chat. Updates may arrive more than once
(webhook retries, polling after a restart): the Telegram message's id makes
the chat message, so a repeat adds nothing."""

import logging
import time
from uuid import UUID

from domain.application import Messenger
from messenger.telegram.bot_api import BotApi
from messenger.telegram.poster import telegram_source_key
from messenger.telegram.posts_view import PostsView

log = logging.getLogger(__name__)

LOOKUP_ATTEMPTS = 10
LOOKUP_PAUSE_S = 0.2

UNKNOWN_POST = ("Не нашёл, чей это чат. Чтобы ответить пользователю, ответьте (Reply) "
                "на сообщение, которое переслал бот.")
ONLY_TEXT = "Пользователю пересылается только текст: фото, файлы и стикеры не доходят."


class SupportReplies:
    def __init__(self, app: Messenger, posts: PostsView, api: BotApi, support_chat_id: str):
        self._app = app
        self._posts = posts
        self._api = api
        self._support_chat_id = support_chat_id

    def handle(self, update: dict) -> None:
        message = update.get("message")
        if not isinstance(message, dict) or str(message.get("chat", {}).get("id")) \
                != self._support_chat_id:
            return  # other chats and other kinds of update are not ours
        replied = message.get("reply_to_message")
        if not isinstance(replied, dict):
            return  # agents talking among themselves
        chat_id = self._chat_replied_to(replied.get("message_id"))
        if chat_id is None:
            self._explain(message, UNKNOWN_POST)
            return
        text = message.get("text")
        if not text:
            self._explain(message, ONLY_TEXT)
            return
        self._app.post_message(
            UUID(chat_id), self._app.support_user, text, sender_name=_agent_name(message),
            source_key=telegram_source_key(self._support_chat_id, message["message_id"]))

    def _chat_replied_to(self, telegram_message_id) -> str | None:
        """The poster records a post only once Telegram has answered with its
        id, so a very quick reply may arrive first: give it a moment."""
        for attempt in range(LOOKUP_ATTEMPTS):
            chat_id = self._posts.chat_of(self._support_chat_id, telegram_message_id)
            if chat_id is not None or attempt == LOOKUP_ATTEMPTS - 1:
                return chat_id
            time.sleep(LOOKUP_PAUSE_S)
        return None

    def _explain(self, message: dict, explanation: str) -> None:
        # Best effort, once: an explanation is not worth holding up other updates.
        try:
            self._api.bot.send_message(self._support_chat_id, explanation,
                                       reply_to_message_id=message.get("message_id"),
                                       allow_sending_without_reply=True)
        except Exception as error:
            log.warning("could not explain to the support chat: %s", error)


def _agent_name(message: dict) -> str:
    sender = message.get("from") or {}
    name = " ".join(part for part in (sender.get("first_name"), sender.get("last_name")) if part)
    return name or sender.get("username") or "Поддержка"
