from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class ChatPreferences(Aggregate):
    """One member's settings for one chat: for now, whether it pushes."""

    @staticmethod
    def create_id(chat_id: UUID, user_id: str):
        return ids.preferences_id(chat_id, user_id)

    @event("Started")
    def __init__(self, chat_id: UUID, user_id: str):
        self.chat_id = chat_id
        self.user_id = user_id
        self.muted = False

    def mute(self) -> None:
        if not self.muted:
            self._muted(chat_id=self.chat_id, user_id=self.user_id)

    @event("Muted")
    def _muted(self, chat_id: UUID, user_id: str) -> None:
        self.muted = True

    def unmute(self) -> None:
        if self.muted:
            self._unmuted(chat_id=self.chat_id, user_id=self.user_id)

    @event("Unmuted")
    def _unmuted(self, chat_id: UUID, user_id: str) -> None:
        self.muted = False
