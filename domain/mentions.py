"""Whom a message mentions: in a group, the members it names, explicitly
(a list of user ids) or as `@user_id` words in its text."""

from collections.abc import Iterable

from domain.chat import GROUP, Chat
from domain.errors import InvalidMentionError

# Trailing punctuation after `@user_id` in a sentence ("@vera, …", "@gleb!").
TRAILING = ".,;:!?)»\"'…"


def mentioned(chat: Chat, sender: str, explicit: Iterable[str], content: str) -> tuple[str, ...]:
    """The members mentioned, in the order first named, the sender left out
    (no one is notified of their own message). An explicit mention of someone
    not in the chat, or outside a group, is refused; a word that names nobody
    in the group is just a word."""
    explicit = tuple(explicit)
    if explicit and chat.kind != GROUP:
        raise InvalidMentionError("mentions are for group chats")
    for user in explicit:
        if user not in chat.members:
            raise InvalidMentionError(f"{user!r} is not a member of this chat")
    named = list(explicit)
    if chat.kind == GROUP and "@" in content:
        members = set(chat.members)
        for word in content.split():
            if word.startswith("@"):
                candidate = _member_named(word[1:], members)
                if candidate:
                    named.append(candidate)
    return tuple(user for user in dict.fromkeys(named) if user != sender)


def _member_named(word: str, members: set[str]) -> str:
    if word in members:
        return word
    word = word.rstrip(TRAILING)
    return word if word in members else ""
