"""A support agent's Telegram reply to a bridged post becomes a message from
the support side in that user's chat. Updates may arrive more than once
(webhook retries, polling after a restart): the Telegram message's id makes
the chat message, so a repeat adds nothing.

An update unlike what Telegram sends (not an object, a field of the wrong
type or missing, text no store can hold) is ignored with one log line: sent
again it would fail again, for ever. Only a failure of the store itself is
raised, so that the update is retried."""

import logging
import time
from dataclasses import dataclass
from uuid import UUID

from domain.application import Messenger
from domain.errors import MessengerError
from messenger import strings
from messenger.naming import shown
from messenger.telegram.bot_api import BotApi
from messenger.telegram.poster import telegram_source_key
from projections.telegram_posts import PostsView

log = logging.getLogger(__name__)

LOOKUP_ATTEMPTS = 10
LOOKUP_PAUSE_S = 0.2
MAX_TELEGRAM_ID = 2 ** 63 - 1  # the posts view keeps ids as BIGINT

UNKNOWN_POST = ("Не нашёл, чей это чат. Чтобы ответить пользователю, ответьте (Reply) "
                "на сообщение, которое переслал бот.")
ONLY_TEXT = "Пользователю пересылается только текст: фото, файлы и стикеры не доходят."
CUT = ("Ответ длиннее {limit} символов: пользователь получил только его начало. "
       "Допишите остальное отдельным ответом.")
DEFAULT_AGENT = "Поддержка"


class MalformedUpdateError(ValueError):
    """Not an update Telegram sends; retrying it cannot help."""


@dataclass(frozen=True)
class _Reply:
    message_id: int
    replied_to: int | None  # the Telegram message it answers
    text: str | None
    agent: str


class SupportReplies:
    def __init__(self, app: Messenger, posts: PostsView, api: BotApi, support_chat_id: str,
                 max_content_chars: int):
        self._app = app
        self._posts = posts
        self._api = api
        self._support_chat_id = support_chat_id
        self._max_chars = max_content_chars

    def handle(self, update) -> None:
        try:
            reply = self._read(update)
        except MalformedUpdateError as error:
            log.warning("Telegram update %s ignored: %s", update_id_of(update),
                        strings.loggable(error, 200))
            return
        if reply is None or reply.replied_to is None:
            return  # not ours, or agents talking among themselves
        chat_id = self._chat_replied_to(reply.replied_to)
        if chat_id is None:
            self._explain(reply, UNKNOWN_POST)
            return
        if not reply.text:
            self._explain(reply, ONLY_TEXT)
            return
        # Telegram allows longer text than a chat may hold: stored cut, and
        # the agent is told, rather than refused on every delivery.
        text = reply.text
        if len(text) > self._max_chars:
            text = text[:self._max_chars - 1] + "…"
        try:
            saved = self._app.post_message(
                UUID(chat_id), self._app.support_user, text, sender_name=reply.agent,
                source_key=telegram_source_key(self._support_chat_id, reply.message_id))
        except (MessengerError, ValueError) as error:  # refused: the same next time
            log.warning("Telegram update %s ignored: %s", update_id_of(update),
                        strings.loggable(error, 200))
            return
        if saved.created and text != reply.text:
            self._explain(reply, CUT.format(limit=self._max_chars))

    def _read(self, update) -> _Reply | None:
        """The reply an update carries; None for updates that are not ours."""
        if not isinstance(update, dict):
            raise MalformedUpdateError("not a JSON object")
        try:  # the rule for every string that comes in, and no deep nesting
            strings.check_document(update)
        except strings.InvalidInputError as error:
            raise MalformedUpdateError(str(error)) from None
        message = update.get("message")
        if message is None:
            return None  # other kinds of update
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            raise MalformedUpdateError("'message' or 'message.chat' is not an object")
        chat = message["chat"].get("id")
        if not isinstance(chat, int) or isinstance(chat, bool):
            raise MalformedUpdateError("'message.chat.id' is not a number")
        if str(chat) != self._support_chat_id:
            return None  # other chats
        message_id = _telegram_id(message.get("message_id"), "message.message_id")
        replied = message.get("reply_to_message")
        if replied is not None and not isinstance(replied, dict):
            raise MalformedUpdateError("'message.reply_to_message' is not an object")
        replied_to = None if replied is None else _telegram_id(
            replied.get("message_id"), "message.reply_to_message.message_id")
        text = message.get("text")
        if text is not None:
            if not isinstance(text, str):
                raise MalformedUpdateError("'message.text' is not a string")
            text = strings.content(text, "message.text")
        return _Reply(message_id, replied_to, text, _agent_name(message.get("from")))

    def _chat_replied_to(self, telegram_message_id: int) -> str | None:
        """The poster records a post only once Telegram has answered with its
        id, so a very quick reply may arrive first: give it a moment."""
        for attempt in range(LOOKUP_ATTEMPTS):
            chat_id = self._posts.chat_of(self._support_chat_id, telegram_message_id)
            if chat_id is not None or attempt == LOOKUP_ATTEMPTS - 1:
                return chat_id
            time.sleep(LOOKUP_PAUSE_S)
        return None

    def _explain(self, reply: _Reply, explanation: str) -> None:
        # Best effort, once: an explanation is not worth holding up other updates.
        try:
            self._api.send_once(self._support_chat_id, explanation, reply.message_id)
        except Exception as error:
            log.warning("could not explain to the support chat: %s", type(error).__name__)


def update_id_of(update) -> str:
    """The update's id for a log line, whatever the update holds."""
    update_id = update.get("update_id") if isinstance(update, dict) else None
    return str(update_id) if isinstance(update_id, int) else "without an id"


def _telegram_id(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_TELEGRAM_ID:
        raise MalformedUpdateError(f"'{field}' is not a message id")
    return value


def _agent_name(sender) -> str:
    """Telegram's word for who answered, cleaned to one line."""
    if not isinstance(sender, dict):
        return DEFAULT_AGENT
    parts = (sender.get("first_name"), sender.get("last_name"))
    name = shown(" ".join(part for part in parts if isinstance(part, str)))
    username = sender.get("username")
    return name or (shown(username) if isinstance(username, str) else "") or DEFAULT_AGENT
