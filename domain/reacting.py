"""Reactions to messages: a use case each for adding and taking back an emoji."""

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.message import Message
from domain.reactions import Reactions
from domain.saving import Saved, SavingApplication


class ReactionUseCases(SavingApplication):
    def _message(self, message_id: UUID, reader: str | None = None) -> Message:
        raise NotImplementedError  # the Messenger's

    def react(self, user_id: str, message_id: UUID, emoji: str) -> Saved:
        """To a message of a chat the user is in, not deleted; the same emoji
        again stores nothing."""
        def reacting():
            message = self._message(message_id, reader=user_id)
            reactions = self._reactions(message, user_id)
            reactions.add(emoji)
            return message_id, [reactions]

        return self._save(reacting)

    def unreact(self, user_id: str, message_id: UUID, emoji: str) -> Saved:
        """An emoji the user did not put there is not taken back: nothing is stored."""
        def unreacting():
            self._message(message_id, reader=user_id)  # one the user may see
            try:
                reactions = self.repository.get(ids.reactions_id(message_id, user_id))
            except AggregateNotFoundError:
                return message_id, []
            reactions.remove(emoji)
            return message_id, [reactions]

        return self._save(unreacting)

    def _reactions(self, message: Message, user_id: str) -> Reactions:
        try:
            return self.repository.get(ids.reactions_id(message.id, user_id))
        except AggregateNotFoundError:
            return Reactions(chat_id=message.chat_id, message_id=message.id, user_id=user_id)
