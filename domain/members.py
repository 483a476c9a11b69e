"""What each member keeps of a chat for themselves: how far they have read,
whether they muted, pinned or archived it. A use case each."""

from collections.abc import Callable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.chat import Chat
from domain.errors import MessageNotFoundError
from domain.message import Message
from domain.preferences import ChatPreferences
from domain.reading import Reading
from domain.saving import Saved, SavingApplication


class MemberUseCases(SavingApplication):
    def _chat(self, chat_id: UUID, to_change: bool = True) -> Chat:
        raise NotImplementedError  # the Messenger's

    def mark_read(self, chat_id: UUID, user_id: str, message_id: UUID) -> Saved:
        def reading():
            self._chat(chat_id, to_change=False).check_member(user_id)
            try:
                message = self.repository.get(message_id)
            except AggregateNotFoundError:
                raise MessageNotFoundError(message_id) from None
            if not isinstance(message, Message) or message.chat_id != chat_id:
                raise MessageNotFoundError(message_id)
            try:
                marker = self.repository.get(ids.reading_id(chat_id, user_id))
            except AggregateNotFoundError:
                marker = Reading(chat_id=chat_id, user_id=user_id)
            marker.read_up_to(message_id)
            return chat_id, [marker]

        return self._save(reading)

    def mute_chat(self, user_id: str, chat_id: UUID, muted: bool) -> Saved:
        return self._change_preferences(
            user_id, chat_id, lambda preferences: preferences.mute() if muted
            else preferences.unmute())

    def pin_chat(self, user_id: str, chat_id: UUID, pinned: bool) -> Saved:
        return self._change_preferences(
            user_id, chat_id, lambda preferences: preferences.pin() if pinned
            else preferences.unpin())

    def archive_chat(self, user_id: str, chat_id: UUID, archived: bool, newest: str) -> Saved:
        """`newest`: the chat's newest message as the member sees it ("" for none);
        a message after it brings the chat back."""
        return self._change_preferences(
            user_id, chat_id, lambda preferences: preferences.archive(newest) if archived
            else preferences.unarchive(newest))

    def _change_preferences(self, user_id: str, chat_id: UUID,
                            command: Callable[[ChatPreferences], None]) -> Saved:
        def changing():
            self._chat(chat_id, to_change=False).check_member(user_id)
            try:
                preferences = self.repository.get(ids.preferences_id(chat_id, user_id))
            except AggregateNotFoundError:
                preferences = ChatPreferences(chat_id=chat_id, user_id=user_id)
            version = preferences.version
            command(preferences)
            # Nothing changed: not even a fresh aggregate's Started is stored.
            return chat_id, [preferences] if preferences.version != version else []

        return self._save(changing)
