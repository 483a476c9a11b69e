"""The one door to the write side: a method per use case, each in three beats
(load, command, save), returning ids and the positions it saved at. How they
are saved is domain/saving.py; the devices' use cases are domain/devices.py."""

from collections.abc import Callable, Iterable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from domain import ids
from domain.chat import BOT_BOOKINGS, ONLINE_BOOKINGS, SUPPORT, Chat
from domain.device import Device
from domain.devices import DeviceUseCases
from domain.members import MemberUseCases
from domain.mentions import mentioned
from domain.presence_settings import PresenceUseCases
from domain.errors import (
    DuplicateSourceError,
    GroupTooLargeError,
    ChatNotFoundError,
    InvalidChatError,
    MessageNotFoundError,
    SystemIdentityError,
    TooManyNewUsersError,
    UploadNotFoundError,
)
from domain.interventions import InterventionUseCases
from domain.message import Message
from domain.preferences import ChatPreferences
from domain.reacting import ReactionUseCases
from domain.reactions import Reactions
from domain.reading import Reading
from domain.saving import Saved, SavingApplication
from domain.upload import Upload
from domain.user import User

MAX_DEFAULT_NAME_CHARS = 200  # as a name given by a client


class Messenger(MemberUseCases, ReactionUseCases, DeviceUseCases, PresenceUseCases,
                InterventionUseCases, SavingApplication):
    name = "Messenger"
    env = {"AGGREGATE_CACHE_MAXSIZE": "20000"}
    snapshotting_intervals = {Chat: 50, Reading: 50, ChatPreferences: 50, Device: 50,
                              Reactions: 50}
    # One per message sent (or reacted to), seldom read again: they would push the chats out.
    uncached = (Message, Reactions)

    @property
    def support_user(self) -> str:
        return self.env.get("SUPPORT_USER_ID") or "support"

    @property
    def support_chat_name(self) -> str:
        return self.env.get("SUPPORT_CHAT_NAME") or "Техподдержка"

    @property
    def bookings_sender(self) -> str:
        return self.env.get("BOOKINGS_SENDER_ID") or "bookings"

    @property
    def system_users(self) -> frozenset[str]:
        return frozenset((self.support_user, self.bookings_sender))

    def check_not_system(self, users: Iterable[str]) -> None:
        """Refuses a system identity where a user is meant."""
        for user in users:
            if user in self.system_users:
                raise SystemIdentityError(f"{user!r} is a system identity, not a user")

    def _chat_name(self, kind: str) -> str:
        defaults = {BOT_BOOKINGS: "Записи через бота", ONLINE_BOOKINGS: "Онлайн-запись"}
        return self.env.get(f"{kind.upper()}_CHAT_NAME") or defaults[kind]

    def register_user(self, user_id: str, name: str = "") -> Saved:
        self.check_not_system([user_id])

        def registration():
            try:
                user = self.repository.get(ids.user_id(user_id))
            except AggregateNotFoundError:
                return self._new_user(user_id, name)
            user.rename(name)
            return [user]

        return self._save(lambda: (ids.user_id(user_id), registration()))

    def create_chat(self, by: str, with_users: list[str], name: str) -> Saved:
        others = [user for user in dict.fromkeys(with_users) if user != by]
        self.check_not_system([by, *others])
        if not others:
            raise InvalidChatError("a chat needs at least one other user")
        self._check_group_size(1 + len(others))

        def creation():
            aggregates = self._unknown_users([by, *others])
            names = {u.user_id: u.name for u in aggregates if isinstance(u, User)}
            title = name or self._default_name([by, *others], names)
            if len(others) > 1:
                chat = Chat.start_group(by, others, title)
            else:
                try:
                    chat = self.repository.get(ids.direct_chat_id(by, others[0]))
                except AggregateNotFoundError:
                    chat = Chat.start_direct(by, others[0], title)
                else:
                    if not chat.is_deleted:
                        return chat.id, []
                    chat.reopen(by, title)
            return chat.id, [*aggregates, chat]

        return self._save(creation)

    def rename_chat(self, by: str, chat_id: UUID, name: str) -> Saved:
        return self._change_chat(chat_id, lambda chat: chat.rename(by, name))

    def delete_chat(self, by: str, chat_id: UUID) -> Saved:
        return self._change_chat(chat_id, lambda chat: chat.delete(by))

    def post_message(self, chat_id: UUID, sender: str, content: str, sender_name: str = "",
                     source_key: str = "", attachments: tuple[UUID, ...] = (),
                     reply_to: UUID | None = None, mentions: tuple[str, ...] = ()) -> Saved:
        """A message with a source_key (its id elsewhere) is posted once,
        however often it is delivered. Attachments are the sender's own uploads;
        `reply_to`: a message of the same chat, not deleted; `mentions`: members
        of the group (more are found in the text)."""

        def posting():
            if source_key and self._exists(Message.create_id(source_key)):
                earlier = self.repository.get(Message.create_id(source_key))
                if earlier.chat_id != chat_id:
                    raise InvalidChatError("that id was already used for a message in another chat")
                return earlier.id, []
            chat = self._chat(chat_id, to_change=False)
            chat.check_can_post(sender)
            for upload_id in attachments:
                self._check_own_upload(sender, upload_id)
            if reply_to is not None and self._message(reply_to, sender).chat_id != chat_id:
                raise MessageNotFoundError(reply_to)
            message = Message(chat_id=chat_id, sender=sender, content=content,
                              sender_name=sender_name, source_key=source_key,
                              attachments=tuple(str(upload) for upload in attachments),
                              generation=chat.generation, reply_to=reply_to,
                              mentions=mentioned(chat, sender, mentions, content))
            return message.id, [message]

        return self._save(posting)

    def add_users(self, by: str, chat_id: UUID, users: list[str]) -> Saved:
        self.check_not_system(users)

        def adding():
            chat = self._chat(chat_id)
            self._check_group_size(len(set(chat.members) | set(users)))
            chat.add_members(by, users)
            return chat_id, [*self._unknown_users(users), chat]

        return self._save(adding)

    def remove_users(self, by: str, chat_id: UUID, users: list[str]) -> Saved:
        return self._change_chat(chat_id, lambda chat: chat.remove_members(by, users))

    def leave_chat(self, user_id: str, chat_id: UUID) -> Saved:
        return self._change_chat(chat_id, lambda chat: chat.leave(user_id))

    def edit_message(self, by: str, message_id: UUID, content: str) -> Saved:
        return self._change_message(by, message_id, lambda message: message.edit(by, content))

    def delete_message(self, by: str, message_id: UUID) -> Saved:
        return self._change_message(by, message_id, lambda message: message.delete(by))

    def _change_chat(self, chat_id: UUID, command: Callable[[Chat], None]) -> Saved:
        """Most chat use cases in three beats: load the chat, command it, save it."""
        def deciding():
            chat = self._chat(chat_id)
            command(chat)
            return chat_id, [chat]

        return self._save(deciding)

    def _change_message(self, by: str, message_id: UUID,
                        command: Callable[[Message], None]) -> Saved:
        """A message of a chat `by` is in: loaded, commanded, saved."""
        def deciding():
            message = self._message(message_id, reader=by)
            command(message)
            return message_id, [message]

        return self._save(deciding)

    def notify_booking(self, user_id: str, kind: str, event_id: str, text: str) -> Saved:
        """Appends a booking notice to the user's notification chat of that kind,
        starting the chat (and registering the user) on the first notice."""
        source_key = f"booking:{event_id}"
        self.check_not_system([user_id])

        def notification():
            chat_id = ids.system_chat_id(kind, user_id)
            if self._exists(Message.create_id(source_key)):
                earlier = self.repository.get(Message.create_id(source_key))
                if earlier.chat_id != chat_id:
                    raise DuplicateSourceError(
                        f"event_id {event_id!r} was already used for another notice")
                return earlier.id, []
            aggregates = self._unknown_users([user_id])
            try:
                chat = self.repository.get(chat_id)
            except AggregateNotFoundError:
                chat = Chat.start_system(kind, user_id, self.bookings_sender, self._chat_name(kind))
            message = Message(chat_id=chat.id, sender=self.bookings_sender, content=text,
                              source_key=source_key)
            return message.id, [*aggregates, chat, message]

        return self._save(notification)

    def record_upload(self, owner: str, content_type: str, size: int, sha256: str,
                      has_thumbnail: bool, name: str = "") -> Saved:
        """The bytes are already in file storage, under their sha256."""
        upload = Upload(owner=owner, content_type=content_type, size=size, sha256=sha256,
                        has_thumbnail=has_thumbnail, name=name)
        return self._save(lambda: (upload.id, [upload]))

    def _check_own_upload(self, user_id: str, upload_id: UUID) -> None:
        try:
            upload = self.repository.get(upload_id)
        except AggregateNotFoundError:
            raise UploadNotFoundError(upload_id) from None
        if not isinstance(upload, Upload) or upload.owner != user_id:
            raise UploadNotFoundError(upload_id)

    def _message(self, message_id: UUID, reader: str | None = None) -> Message:
        """A message still in its chat, as `reader` (if given) may see it."""
        try:
            message = self.repository.get(message_id)
        except AggregateNotFoundError:
            raise MessageNotFoundError(message_id) from None
        if not isinstance(message, Message) or message.is_deleted:
            raise MessageNotFoundError(message_id)
        try:
            chat = self._chat(message.chat_id, to_change=False)
            if reader is not None:
                chat.check_member(reader)
        except ChatNotFoundError:
            raise MessageNotFoundError(message_id) from None
        if message.generation != chat.generation:  # from before the chat was reopened
            raise MessageNotFoundError(message_id)
        return message

    def _chat(self, chat_id: UUID, to_change: bool = True) -> Chat:
        """Only a chat to change is copied from the cache (the library's
        guard against a command that fails half-way); one only read is not."""
        try:
            chat = self.repository.get(chat_id, deepcopy_from_cache=to_change)
        except AggregateNotFoundError:
            raise ChatNotFoundError(chat_id) from None
        if not isinstance(chat, Chat):
            raise ChatNotFoundError(chat_id)
        return chat

    def _new_user(self, user_id: str, name: str) -> list[Aggregate]:
        self.check_not_system([user_id])
        support = Chat.start_system(SUPPORT, user_id, self.support_user, self.support_chat_name)
        return [User(user_id=user_id, name=name), support]

    def _unknown_users(self, users: Iterable[str]) -> list[Aggregate]:
        """Users the booking platform has not told us about yet are registered
        on the spot; known ones are returned unchanged, for their names."""
        aggregates: list[Aggregate] = []
        new = 0
        for user_id in dict.fromkeys(users):  # a user named twice is registered once
            try:
                aggregates.append(self.repository.get(ids.user_id(user_id)))
            except AggregateNotFoundError:
                new += 1
                aggregates.extend(self._new_user(user_id, ""))
        limit = int(self.env.get("MAX_NEW_USERS") or 50)
        if new > limit:
            raise TooManyNewUsersError(f"one request registers at most {limit} unknown users")
        return aggregates

    @staticmethod
    def _default_name(members: list[str], names: dict[str, str]) -> str:
        name = ", ".join(names.get(user) or user for user in members)
        if len(name) > MAX_DEFAULT_NAME_CHARS:
            name = name[:MAX_DEFAULT_NAME_CHARS - 1] + "…"
        return name

    def _check_group_size(self, members: int) -> None:
        limit = int(self.env.get("MAX_GROUP_MEMBERS") or 1000)
        if members > limit:
            raise GroupTooLargeError(f"a group holds at most {limit} members")
