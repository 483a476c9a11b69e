from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import ids


class Message(Aggregate):
    """One message, its own aggregate so that a busy chat is never a point of
    contention and a chat's history is never replayed to post to it."""

    @staticmethod
    def create_id(source_key: str = "") -> UUID:
        return ids.message_id(source_key) if source_key else uuid4()

    @event("Posted")
    def __init__(self, chat_id: UUID, sender: str, content: str, sender_name: str = "",
                 source_key: str = ""):
        self.chat_id = chat_id
        self.sender = sender
        self.sender_name = sender_name
        self.content = content
        self.source_key = source_key
