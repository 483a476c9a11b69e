from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Message(Aggregate):
    """One message, its own aggregate so that a busy chat is never a point of
    contention and a chat's history is never replayed to post to it."""

    @event("Posted")
    def __init__(self, chat_id: UUID, sender: str, content: str):
        self.chat_id = chat_id
        self.sender = sender
        self.content = content
