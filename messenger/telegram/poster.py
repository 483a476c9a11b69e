"""Posts each user message of a tech-support chat to the support team's
Telegram chat, following the event log with tracking: a restart neither
loses nor doubles a post (a post and its tracking are recorded together)."""

import logging
from collections.abc import Callable

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain import ids
from domain.chat import SUPPORT
from domain.message import Message
from messenger.metrics import TELEGRAM
from messenger.naming import sender_line
from messenger.telegram.bot_api import BotApi, UndeliverableError
from projections.telegram_posts import PostsView

log = logging.getLogger(__name__)

TELEGRAM_SOURCE = "telegram"


def telegram_source_key(telegram_chat_id: str, telegram_message_id: int) -> str:
    return f"{TELEGRAM_SOURCE}:{telegram_chat_id}:{telegram_message_id}"


class TelegramPoster(Projection[PostsView]):
    name = "TelegramPoster"
    topics = (get_topic(Message.Posted),)

    def __init__(self, view: PostsView, api: BotApi, support_chat_id: str,
                 registered_name: Callable[[str], str]):
        super().__init__(view)
        self._api = api
        self._support_chat_id = support_chat_id
        self._registered_name = registered_name

    @singledispatchmethod
    def process_event(self, domain_event, tracking: Tracking) -> None:
        self.view.skip(tracking)

    @process_event.register
    def message_posted(self, event: Message.Posted, tracking: Tracking) -> None:
        chat_id, message_id = str(event.chat_id), str(event.originator_id)
        source, _, where = event.source_key.partition(":")
        if source == TELEGRAM_SOURCE:
            # An agent's reply bridged in: a reply to it routes to the same chat.
            telegram_chat_id, _, telegram_message_id = where.rpartition(":")
            self.view.record(telegram_chat_id, int(telegram_message_id), chat_id, message_id,
                             tracking)
        elif event.chat_id == ids.system_chat_id(SUPPORT, event.sender) \
                and not self.view.is_posted(message_id):
            self._post(event, chat_id, message_id, tracking)
        else:
            self.view.skip(tracking)

    def _post(self, event: Message.Posted, chat_id: str, message_id: str,
              tracking: Tracking) -> None:
        # The first line is ours alone: who sent it, as registered (the
        # client's claimed FIO only as a label); then the content. The
        # BotApi cuts what is over Telegram's cap.
        header = sender_line(event.sender, self._registered_name(event.sender), event.sender_name)
        text = f"{header}:\n{event.content}"
        try:
            posted = self._api.send(self._support_chat_id, text)
        except UndeliverableError as error:
            log.error("Telegram refused message %s for good: %s", message_id, error)
            TELEGRAM.labels("refused").inc()
            self.view.skip(tracking)
            return
        TELEGRAM.labels("posted").inc()
        self.view.record(self._support_chat_id, posted, chat_id, message_id, tracking)
