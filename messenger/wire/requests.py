"""The requests a client can make, as parsed (messenger/wire/protocol.py), and the
limits parsing and answering them keep to. The same in both protocol versions."""

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class CreateChat:
    with_users: list[str]
    name: str


@dataclass(frozen=True)
class RenameChat:
    chat_id: UUID
    name: str


@dataclass(frozen=True)
class DeleteChat:
    chat_id: UUID


@dataclass(frozen=True)
class GetChatMessages:
    chat_id: UUID
    limit: int | None
    before: str | None


@dataclass(frozen=True)
class SendMessage:
    chat_id: UUID
    content: str
    sender_fio: str
    attachments: tuple[UUID, ...] = ()
    client_msg_id: str = ""
    reply_to: UUID | None = None
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddUsers:
    chat_id: UUID
    users: list[str]


@dataclass(frozen=True)
class RemoveUsers:
    chat_id: UUID
    users: list[str]


@dataclass(frozen=True)
class LeaveChat:
    chat_id: UUID


@dataclass(frozen=True)
class EditMessage:
    message_id: UUID
    content: str


@dataclass(frozen=True)
class DeleteMessage:
    message_id: UUID


@dataclass(frozen=True)
class MarkRead:
    chat_id: UUID
    message_id: UUID


@dataclass(frozen=True)
class RegisterDevice:
    platform: str
    token: str


@dataclass(frozen=True)
class UnregisterDevice:
    platform: str
    token: str


@dataclass(frozen=True)
class MuteChat:
    chat_id: UUID
    muted: bool


@dataclass(frozen=True)
class React:
    message_id: UUID
    emoji: str


@dataclass(frozen=True)
class Unreact:
    message_id: UUID
    emoji: str


@dataclass(frozen=True)
class SearchMessages:
    text: str  # as sent, echoed in the reply
    terms: tuple  # projections.search_terms.Term, parsed once
    chat_id: UUID | None
    limit: int
    before: str | None  # the `next` of the page before


@dataclass(frozen=True)
class PinChat:
    chat_id: UUID
    pinned: bool


@dataclass(frozen=True)
class ArchiveChat:
    chat_id: UUID
    archived: bool


@dataclass(frozen=True)
class GetArchivedChats:
    pass


@dataclass(frozen=True)
class Limits:
    max_content_chars: int
    max_page: int
    requests_per_s: float = 10.0
    request_burst: int = 100
    user_requests_per_s: float = 30.0
    user_request_burst: int = 300
    max_connections_per_user: int = 20
