from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import TooManyReactionsError

MAX_EMOJI_PER_USER = 20  # distinct emoji one user puts on one message


class Reactions(Aggregate):
    """One member's reactions to one message. Per member and message, as
    Reading is per member and chat: many people reacting to one popular
    message at once never conflict with each other, nor with its edits (on
    the Message, every reaction would be a new version of it to contend for)."""

    @staticmethod
    def create_id(message_id: UUID, user_id: str) -> UUID:
        return ids.reactions_id(message_id, user_id)

    @event("Started")
    def __init__(self, chat_id: UUID, message_id: UUID, user_id: str):
        self.chat_id = chat_id
        self.message_id = message_id
        self.user_id = user_id
        self.emoji: list[str] = []

    def add(self, emoji: str) -> None:
        if emoji in self.emoji:
            return
        if len(self.emoji) >= MAX_EMOJI_PER_USER:
            raise TooManyReactionsError(
                f"one user puts at most {MAX_EMOJI_PER_USER} different emoji on a message")
        self._added(chat_id=self.chat_id, message_id=self.message_id, user_id=self.user_id,
                    emoji=emoji)

    @event("Added")
    def _added(self, chat_id: UUID, message_id: UUID, user_id: str, emoji: str) -> None:
        self.emoji.append(emoji)

    def remove(self, emoji: str) -> None:
        if emoji in self.emoji:
            self._removed(chat_id=self.chat_id, message_id=self.message_id,
                          user_id=self.user_id, emoji=emoji)

    @event("Removed")
    def _removed(self, chat_id: UUID, message_id: UUID, user_id: str, emoji: str) -> None:
        self.emoji.remove(emoji)
