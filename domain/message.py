from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import ForbiddenError, MessageNotFoundError


class Message(Aggregate):
    """One message, its own aggregate so that a busy chat is never a point of
    contention and a chat's history is never replayed to post to it."""

    @staticmethod
    def create_id(source_key: str = "") -> UUID:
        return ids.message_id(source_key) if source_key else uuid4()

    @event("Posted")
    def __init__(self, chat_id: UUID, sender: str, content: str, sender_name: str = "",
                 source_key: str = "", attachments: tuple[str, ...] = (), generation: int = 0,
                 reply_to: UUID | None = None, mentions: tuple[str, ...] = ()):
        self.chat_id = chat_id
        self.sender = sender
        self.sender_name = sender_name
        self.content = content
        self.source_key = source_key
        self.attachments = list(attachments)
        self.generation = generation  # of the chat: a reopened chat does not have it
        self.reply_to = reply_to  # a message of the same chat
        self.mentions = list(mentions)  # the members it notifies (domain/mentions.py)
        self.is_deleted = False

    def edit(self, by: str, content: str) -> None:
        self._check_exists()
        if by != self.sender:
            raise ForbiddenError("only its sender may edit a message")
        if content != self.content:
            self._edited(chat_id=self.chat_id, by=by, content=content)

    @event("Edited")
    def _edited(self, chat_id: UUID, by: str, content: str) -> None:
        self.content = content

    def delete(self, by: str) -> None:
        self._check_exists()
        if by != self.sender:
            raise ForbiddenError("only its sender may delete a message")
        self._deleted(chat_id=self.chat_id, by=by)

    @event("Deleted")
    def _deleted(self, chat_id: UUID, by: str) -> None:
        self.is_deleted = True

    def _check_exists(self) -> None:
        if self.is_deleted:
            raise MessageNotFoundError(self.id)


# A Posted event stored before mentions existed reads as mentioning nobody
# (the library restores an event's stored fields only).
Message.Posted.mentions = ()
