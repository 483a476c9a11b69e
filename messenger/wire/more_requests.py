"""The requests of issue 17, beyond the seed's: reactions, search, pins and
archive, typing and presence. Parsed like the seed's (messenger/wire/protocol.py)."""

from uuid import UUID

from messenger.wire.emoji import MAX_CODE_POINTS, is_emoji
from messenger.wire.fields import BAD_REQUEST, Fields, ProtocolError
from messenger.wire.requests import (
    ArchiveChat, GetArchivedChats, Limits, PinChat, React, SearchMessages, SetPresenceVisible,
    Typing, Unreact
)
from projections import inbox_search, search_terms

SEARCH_PAGE = 20
SEARCH_PAGE_MAX = 50

def _reaction(fields: Fields) -> tuple[UUID, str]:
    message_id = fields.uuid("message_id", "message")
    emoji = fields.text("emoji")
    if not is_emoji(emoji):
        raise ProtocolError(BAD_REQUEST, f"'emoji' must be one emoji (at most {MAX_CODE_POINTS}"
                                         " code points), not text")
    return message_id, emoji


def _react(fields: Fields, user_id: str, limits: Limits) -> React:
    return React(*_reaction(fields))


def _unreact(fields: Fields, user_id: str, limits: Limits) -> Unreact:
    return Unreact(*_reaction(fields))


def _search_messages(fields: Fields, user_id: str, limits: Limits) -> SearchMessages:
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
_CHAT_LIST = {
    "pin_chat": lambda fields, user_id, limits: PinChat(fields.chat_id(), True),
    "unpin_chat": lambda fields, user_id, limits: PinChat(fields.chat_id(), False),
    "archive_chat": lambda fields, user_id, limits: ArchiveChat(fields.chat_id(), True),
    "unarchive_chat": lambda fields, user_id, limits: ArchiveChat(fields.chat_id(), False),
    "get_archived_chats": lambda fields, user_id, limits: GetArchivedChats(),
}


def _typing(fields: Fields, user_id: str, limits: Limits) -> Typing:
    return Typing(fields.chat_id())


def _set_presence_visible(fields: Fields, user_id: str, limits: Limits) -> SetPresenceVisible:
    visible = fields._data.get("visible")
    if not isinstance(visible, bool):
        raise ProtocolError(BAD_REQUEST, "'visible' must be true or false")
    return SetPresenceVisible(visible)


PARSERS = {
    "react": _react,
    "unreact": _unreact,
    "search_messages": _search_messages,
    **_CHAT_LIST,
    "typing": _typing,
    "set_presence_visible": _set_presence_visible,
}
