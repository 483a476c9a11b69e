from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class Reading(Aggregate):
    """How far one member has read one chat: per member, so reading never
    contends with posting."""

    @staticmethod
    def create_id(chat_id: UUID, user_id: str):
        return ids.reading_id(chat_id, user_id)

    @event("Started")
    def __init__(self, chat_id: UUID, user_id: str):
        self.chat_id = chat_id
        self.user_id = user_id
        self.message_id: UUID | None = None

    def read_up_to(self, message_id: UUID) -> None:
        if message_id != self.message_id:
            self._advanced(chat_id=self.chat_id, user_id=self.user_id, message_id=message_id)

    @event("Advanced")
    def _advanced(self, chat_id: UUID, user_id: str, message_id: UUID) -> None:
        self.message_id = message_id
