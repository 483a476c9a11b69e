"""The WebSocket protocol's requests, the same in both versions: parse()
turns a client frame into a validated request or raises ProtocolError.
The frames the server answers with are shaped in messenger/wire/shapes.py."""

import json
from typing import Any
from uuid import UUID

import orjson

from domain.device import PLATFORMS
from messenger import strings
from messenger.strings import InvalidInputError
from messenger.wire.emoji import MAX_CODE_POINTS, is_emoji
from messenger.wire.requests import (
    AddUsers, ArchiveChat, CreateChat, DeleteChat, DeleteMessage, EditMessage, GetArchivedChats,
    GetChatMessages, LeaveChat, Limits, MarkRead, MuteChat, PinChat, React, RegisterDevice,
    RemoveUsers, RenameChat, SearchMessages, SendMessage, Unreact, UnregisterDevice
)
from projections import inbox_search, search_terms

MAX_CHAT_USERS = 500
MAX_DEVICE_TOKEN_CHARS = 4096
MAX_ATTACHMENTS = 10
MAX_MENTIONS = 50
MAX_TYPE_CHARS = 40
V2_PAGE = 50  # get_chat_messages without a limit, in version 2
SEARCH_PAGE, SEARCH_PAGE_MAX = 20, 50  # search_messages' results without a limit, and at most

BAD_REQUEST = "bad_request"
UNKNOWN_TYPE = "unknown_type"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
TOO_LARGE = "too_large"
UNAVAILABLE = "unavailable"
RATE_LIMITED = "rate_limited"


class ProtocolError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def envelope(text: str | bytes) -> tuple[str, Any, Any]:
    """The frame's type, request_id and data, before the data is checked, so
    that even a refused request gets its request_id and request_type back
    (when they are fit to echo)."""
    try:
        frame = strings.parse_json(text)
    except InvalidInputError as error:
        raise ProtocolError(BAD_REQUEST, f"frame {error}") from None
    if not isinstance(frame, dict):
        raise ProtocolError(BAD_REQUEST, "frame must be a JSON object")
    request_id = strings.request_id(frame.get("request_id"))
    if request_id is None and frame.get("request_id") is not None:
        raise ProtocolError(BAD_REQUEST, "'request_id' must be a number or a string of at most "
                                         f"{strings.MAX_REQUEST_ID_CHARS} printable characters")
    kind = frame.get("type")
    if not isinstance(kind, str) or len(kind) > MAX_TYPE_CHARS or strings.request_id(kind) is None:
        kind = ""  # not a type, and not fit to echo as request_type
    return kind, request_id, frame.get("data")


def parse(kind: str, data: Any, user_id: str, limits: Limits) -> Any:
    if not kind:
        raise ProtocolError(BAD_REQUEST, "frame needs a string 'type'")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ProtocolError(UNKNOWN_TYPE, f"unknown request type {kind!r}")
    if not isinstance(data, dict):
        raise ProtocolError(BAD_REQUEST, "'data' must be a JSON object")
    try:
        strings.check_document(data)
        return parser(_Fields(data), user_id, limits)
    except InvalidInputError as error:
        raise ProtocolError(BAD_REQUEST, str(error) if error.field else f"'data' {error}") from None


class _Fields:
    def __init__(self, data: dict):
        self._data = data

    def text(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self._data.get(name)
        if value is None and not required:
            return default
        if not isinstance(value, str):
            raise ProtocolError(BAD_REQUEST, f"'{name}' must be a string")
        return value

    def name(self, field: str, *, required: bool) -> str:
        value = strings.one_line(self.text(field, required=required), field)
        if required and not value:
            raise ProtocolError(BAD_REQUEST, f"'{field}' must not be empty")
        return value

    def chat_id(self) -> UUID:
        return self.uuid("chat_id", "chat")

    def uuid(self, name: str, what: str) -> UUID:
        value = self.text(name)
        try:
            return UUID(value)
        except ValueError:
            raise ProtocolError(NOT_FOUND, f"no such {what}") from None

    def users(self, name: str = "with_user_id") -> list[str]:
        entries = self._data.get(name)
        if not isinstance(entries, list) or not entries:
            raise ProtocolError(BAD_REQUEST, f"'{name}' must be a non-empty list of {{\"user_id\": …}}")
        if len(entries) > MAX_CHAT_USERS:
            raise ProtocolError(BAD_REQUEST, f"at most {MAX_CHAT_USERS} users in a chat")
        users = []
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("user_id"), str) \
                    or not entry["user_id"]:
                raise ProtocolError(BAD_REQUEST, f"each '{name}' entry needs a string 'user_id'")
            users.append(strings.identifier(entry["user_id"], f"{name}[{n}].user_id"))
        return users

    def content(self, limits: "Limits", *, required: bool = True) -> str:
        content = strings.content(self.text("content", required=required))
        if required and not content.strip():
            raise ProtocolError(BAD_REQUEST, "'content' must not be empty")
        if len(content) > limits.max_content_chars:
            raise ProtocolError(TOO_LARGE,
                                f"'content' is longer than {limits.max_content_chars} characters")
        return content

    def acting_user(self, field: str, user_id: str) -> None:
        """Optional, as in the seed; if given it must be the token's user."""
        value = self._data.get(field)
        if value is not None and value != user_id:
            raise ProtocolError(FORBIDDEN, f"'{field}' must be your own user id")

    def optional_int(self, name: str, low: int, high: int) -> int | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ProtocolError(BAD_REQUEST, f"'{name}' must be an integer from {low} to {high}")
        return value


def _create_chat(fields: _Fields, user_id: str, limits: Limits) -> CreateChat:
    fields.acting_user("created_by_user_id", user_id)
    users = fields.users()
    if not [user for user in users if user != user_id]:
        raise ProtocolError(BAD_REQUEST, "'with_user_id' must name someone other than you")
    return CreateChat(users, fields.name("chat_name", required=False))


def _rename_chat(fields: _Fields, user_id: str, limits: Limits) -> RenameChat:
    return RenameChat(fields.chat_id(), fields.name("new_name", required=True))


def _delete_chat(fields: _Fields, user_id: str, limits: Limits) -> DeleteChat:
    return DeleteChat(fields.chat_id())


def _get_chat_messages(fields: _Fields, user_id: str, limits: Limits) -> GetChatMessages:
    chat_id = fields.chat_id()
    limit = fields.optional_int("limit", 1, limits.max_page)
    before = fields.text("before", required=False, default=None)
    return GetChatMessages(chat_id, limit, before)


def _send_message(fields: _Fields, user_id: str, limits: Limits) -> SendMessage:
    fields.acting_user("sender_id", user_id)
    chat_id = fields.chat_id()
    attachments = fields._data.get("attachments", [])
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS \
            or not all(isinstance(upload, str) for upload in attachments):
        raise ProtocolError(BAD_REQUEST, f"'attachments' must be a list of at most "
                                         f"{MAX_ATTACHMENTS} upload ids")
    try:
        uploads = tuple(UUID(upload) for upload in attachments)
    except ValueError:
        raise ProtocolError(NOT_FOUND, "no such upload") from None
    content = fields.content(limits, required=not uploads)  # a picture's caption is optional
    client_msg_id = fields.text("client_msg_id", required=False)
    if client_msg_id:
        strings.identifier(client_msg_id, "client_msg_id")
    reply_to = (fields.uuid("reply_to", "message")
                if fields._data.get("reply_to") is not None else None)
    return SendMessage(chat_id, content, fields.name("sender_fio", required=False), uploads,
                       client_msg_id, reply_to, _mentions(fields._data.get("mentions", [])))


def _mentions(mentions: Any) -> tuple[str, ...]:
    """User ids; whether each is a member is the domain's to say."""
    if not isinstance(mentions, list) or len(mentions) > MAX_MENTIONS \
            or not all(isinstance(user, str) for user in mentions):
        raise ProtocolError(BAD_REQUEST, f"'mentions' must be a list of at most {MAX_MENTIONS}"
                                         " user ids")
    return tuple(strings.identifier(user, f"mentions[{n}]") for n, user in enumerate(mentions))


def _add_user(fields: _Fields, user_id: str, limits: Limits) -> AddUsers:
    return AddUsers(fields.chat_id(), fields.users())


def _remove_user(fields: _Fields, user_id: str, limits: Limits) -> RemoveUsers:
    return RemoveUsers(fields.chat_id(), fields.users())


def _leave_chat(fields: _Fields, user_id: str, limits: Limits) -> LeaveChat:
    return LeaveChat(fields.chat_id())


def _edit_message(fields: _Fields, user_id: str, limits: Limits) -> EditMessage:
    return EditMessage(fields.uuid("message_id", "message"), fields.content(limits))


def _delete_message(fields: _Fields, user_id: str, limits: Limits) -> DeleteMessage:
    return DeleteMessage(fields.uuid("message_id", "message"))


def _mark_read(fields: _Fields, user_id: str, limits: Limits) -> MarkRead:
    return MarkRead(fields.chat_id(), fields.uuid("message_id", "message"))


def _device(fields: _Fields) -> tuple[str, str]:
    platform = fields.text("platform")
    if platform not in PLATFORMS:
        raise ProtocolError(BAD_REQUEST, "'platform' must be one of " + ", ".join(PLATFORMS))
    token = fields.text("token").strip()
    if not token or len(token) > MAX_DEVICE_TOKEN_CHARS:
        raise ProtocolError(BAD_REQUEST, f"'token' must be 1 to {MAX_DEVICE_TOKEN_CHARS} characters")
    return platform, token


def _register_device(fields: _Fields, user_id: str, limits: Limits) -> RegisterDevice:
    return RegisterDevice(*_device(fields))


def _unregister_device(fields: _Fields, user_id: str, limits: Limits) -> UnregisterDevice:
    return UnregisterDevice(*_device(fields))


def _mute_chat(fields: _Fields, user_id: str, limits: Limits) -> MuteChat:
    return MuteChat(fields.chat_id(), True)


def _unmute_chat(fields: _Fields, user_id: str, limits: Limits) -> MuteChat:
    return MuteChat(fields.chat_id(), False)


def _reaction(fields: _Fields) -> tuple[UUID, str]:
    message_id = fields.uuid("message_id", "message")
    emoji = fields.text("emoji")
    if not is_emoji(emoji):
        raise ProtocolError(BAD_REQUEST, f"'emoji' must be one emoji (at most {MAX_CODE_POINTS}"
                                         " code points), not text")
    return message_id, emoji


def _react(fields: _Fields, user_id: str, limits: Limits) -> React:
    return React(*_reaction(fields))


def _unreact(fields: _Fields, user_id: str, limits: Limits) -> Unreact:
    return Unreact(*_reaction(fields))


def _search_messages(fields: _Fields, user_id: str, limits: Limits) -> SearchMessages:
    text = fields.text("text")
    if len(text) > search_terms.MAX_TEXT_CHARS:
        raise ProtocolError(BAD_REQUEST, f"'text' is longer than {search_terms.MAX_TEXT_CHARS}"
                                         " characters")
    if not search_terms.words(text):
        raise ProtocolError(BAD_REQUEST, "'text' must have a word to look for")
    terms = search_terms.terms(text)  # none left (stop words only): nothing is found
    if len(terms) > search_terms.MAX_WORDS:
        raise ProtocolError(BAD_REQUEST, f"'text' has more than {search_terms.MAX_WORDS} words")
    chat_id = fields.chat_id() if fields._data.get("chat_id") is not None else None
    before = fields.text("before", required=False, default=None)
    try:
        if before is not None:
            inbox_search.position(before)
    except inbox_search.CursorError:
        raise ProtocolError(BAD_REQUEST, "'before' must be a search_results' 'next'") from None
    return SearchMessages(text, tuple(terms), chat_id, fields.optional_int(
        "limit", 1, SEARCH_PAGE_MAX) or SEARCH_PAGE, before)


# Pins and archive: a member's own list (messenger/wire/frames.py archived_chats).
CHAT_LIST_PARSERS = {
    "pin_chat": lambda fields, user_id, limits: PinChat(fields.chat_id(), True),
    "unpin_chat": lambda fields, user_id, limits: PinChat(fields.chat_id(), False),
    "archive_chat": lambda fields, user_id, limits: ArchiveChat(fields.chat_id(), True),
    "unarchive_chat": lambda fields, user_id, limits: ArchiveChat(fields.chat_id(), False),
    "get_archived_chats": lambda fields, user_id, limits: GetArchivedChats(),
}


REQUEST_TYPES = frozenset((
    "create_chat", "rename_chat", "delete_chat", "get_chat_messages", "send_message",
    "register_device", "unregister_device", "mute_chat", "unmute_chat", "add_user",
    "remove_user", "leave_chat", "edit_message", "delete_message", "mark_read",
    "react", "unreact", "search_messages", *CHAT_LIST_PARSERS))

_PARSERS = {
    "create_chat": _create_chat,
    "rename_chat": _rename_chat,
    "delete_chat": _delete_chat,
    "get_chat_messages": _get_chat_messages,
    "send_message": _send_message,
    "register_device": _register_device,
    "unregister_device": _unregister_device,
    "mute_chat": _mute_chat,
    "unmute_chat": _unmute_chat,
    "add_user": _add_user,
    "remove_user": _remove_user,
    "leave_chat": _leave_chat,
    "edit_message": _edit_message,
    "delete_message": _delete_message,
    "mark_read": _mark_read,
    "react": _react,
    "unreact": _unreact,
    "search_messages": _search_messages,
    **CHAT_LIST_PARSERS,
}


def error_frame(code: str, message: str, request_type: str, **extra) -> dict:
    return {"type": "error",
            "data": {"code": code, "message": message, "request_type": request_type, **extra}}


def encode(frame: dict, request_id: Any = None) -> bytes:
    """UTF-8 JSON, which the socket sends as a text frame."""
    if request_id is not None:
        frame = {**frame, "request_id": request_id}
    try:
        return orjson.dumps(frame)
    except TypeError:  # an integer request_id beyond 64 bits, echoed as it came
        return json.dumps(frame, ensure_ascii=False, separators=(",", ":")).encode()
