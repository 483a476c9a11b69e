from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import (
    ChatNotFoundError,
    ForbiddenError,
    InvalidChatError,
    NotChatAdminError,
    ReadOnlyChatError,
    SystemChatError,
)

DIRECT = "direct"
GROUP = "group"
SUPPORT = "support"
BOT_BOOKINGS = "bot_bookings"
ONLINE_BOOKINGS = "online_bookings"

SYSTEM_KINDS = frozenset({SUPPORT, BOT_BOOKINGS, ONLINE_BOOKINGS})
NOTIFICATION_KINDS = frozenset({BOT_BOOKINGS, ONLINE_BOOKINGS})


class Chat(Aggregate):
    """A conversation: who is in it, what it is called, whether it still exists.
    Messages are aggregates of their own (see domain.message)."""

    generation = 0  # counts reopenings; a message from an earlier one is gone

    @staticmethod
    def create_id(kind: str, members: list[str]) -> UUID:
        if kind == DIRECT:
            return ids.direct_chat_id(*members)
        if kind in SYSTEM_KINDS:
            return ids.system_chat_id(kind, members[0])
        return uuid4()

    @event("Started")
    def __init__(self, kind: str, name: str, members: list[str], admin: str, started_by: str):
        self.kind = kind
        self.name = name
        self.members = list(members)
        self.admin = admin
        self.is_deleted = False

    @classmethod
    def start_direct(cls, by: str, other: str, name: str) -> "Chat":
        if other == by:
            raise InvalidChatError("a direct chat needs another user")
        return cls(kind=DIRECT, name=name, members=[by, other], admin="", started_by=by)

    @classmethod
    def start_group(cls, by: str, others: list[str], name: str) -> "Chat":
        members = [by] + [user for user in dict.fromkeys(others) if user != by]
        if len(members) < 3:
            raise InvalidChatError("a group chat needs at least two other users")
        return cls(kind=GROUP, name=name, members=members, admin=by, started_by=by)

    @classmethod
    def start_system(cls, kind: str, user: str, system_user: str, name: str) -> "Chat":
        if user == system_user:
            raise InvalidChatError("a system chat is between a user and the system")
        return cls(kind=kind, name=name, members=[user, system_user], admin="",
                   started_by=system_user)

    @property
    def chat_id(self) -> UUID:
        return self.id

    def check_member(self, user: str) -> None:
        if self.is_deleted or user not in self.members:
            raise ChatNotFoundError(self.id)

    def check_can_post(self, user: str) -> None:
        self.check_member(user)
        if self.kind in NOTIFICATION_KINDS and user == self.members[0]:
            raise ReadOnlyChatError("notification chats are read-only")

    def rename(self, by: str, name: str) -> None:
        self._check_can_manage(by)
        self._renamed(by=by, name=name)

    @event("Renamed")
    def _renamed(self, by: str, name: str) -> None:
        self.name = name

    def delete(self, by: str) -> None:
        self._check_can_manage(by)
        self._deleted(by=by)

    @event("Deleted")
    def _deleted(self, by: str) -> None:
        self.is_deleted = True

    def reopen(self, by: str, name: str) -> None:
        """A deleted direct chat asked for again starts afresh under the same id."""
        if by not in self.members:
            raise ChatNotFoundError(self.id)
        self._reopened(by=by, name=name)

    @event("Reopened")
    def _reopened(self, by: str, name: str) -> None:
        self.name = name
        self.is_deleted = False
        self.generation += 1

    def add_members(self, by: str, users: list[str]) -> None:
        self._check_admin_of_group(by)
        new = [user for user in dict.fromkeys(users) if user not in self.members]
        if new:
            self._members_added(by=by, users=new)

    @event("MembersAdded")
    def _members_added(self, by: str, users: list[str]) -> None:
        self.members.extend(users)

    def remove_members(self, by: str, users: list[str]) -> None:
        """The admin removes others; to go themself, they leave."""
        self._check_admin_of_group(by)
        gone = [user for user in dict.fromkeys(users) if user in self.members and user != by]
        if gone:
            self._members_removed(by=by, users=gone)

    @event("MembersRemoved")
    def _members_removed(self, by: str, users: list[str]) -> None:
        self.members = [member for member in self.members if member not in users]

    def leave(self, user: str) -> None:
        """An admin who leaves hands the role to the longest-standing member."""
        self.check_member(user)
        if self.kind in SYSTEM_KINDS:
            raise SystemChatError("system chats cannot be left")
        if self.kind != GROUP:
            raise ForbiddenError("a direct chat is deleted, not left")
        remaining = [member for member in self.members if member != user]
        admin = self.admin if user != self.admin else (remaining[0] if remaining else "")
        self._left(user=user, admin=admin)

    @event("Left")
    def _left(self, user: str, admin: str) -> None:
        self.members.remove(user)
        self.admin = admin

    def _check_admin_of_group(self, by: str) -> None:
        self.check_member(by)
        if self.kind != GROUP:
            raise ForbiddenError("only group chats have members added or removed")
        if by != self.admin:
            raise NotChatAdminError("only the group's admin may do this")

    def _check_can_manage(self, by: str) -> None:
        self.check_member(by)
        if self.kind in SYSTEM_KINDS:
            raise SystemChatError("system chats cannot be changed")
        if self.kind == GROUP and by != self.admin:
            raise NotChatAdminError("only the group's admin may do this")
