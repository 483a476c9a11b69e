"""Deterministic ids for things that must exist once: a user, the direct chat
of two users, a user's system chats, a member's read position and reactions."""

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c8e0a-3b0d-4a53-9d0e-5a8f8f2b7c11")


def user_id(user: str) -> UUID:
    return uuid5(NAMESPACE, f"user\x1f{user}")


def direct_chat_id(one: str, other: str) -> UUID:
    first, second = sorted((one, other))
    return uuid5(NAMESPACE, f"direct\x1f{first}\x1f{second}")


def system_chat_id(kind: str, user: str) -> UUID:
    return uuid5(NAMESPACE, f"{kind}\x1f{user}")


def reading_id(chat_id: UUID, user: str) -> UUID:
    return uuid5(NAMESPACE, f"reading\x1f{chat_id}\x1f{user}")


def message_id(source_key: str) -> UUID:
    """A message that stands for something outside (a booking event, a Telegram
    message) gets the same id however often it is delivered."""
    return uuid5(NAMESPACE, f"message\x1f{source_key}")


def reactions_id(message_id: UUID, user: str) -> UUID:
    return uuid5(NAMESPACE, f"reactions\x1f{message_id}\x1f{user}")


def device_id(platform: str, token: str) -> UUID:
    return uuid5(NAMESPACE, f"device\x1f{platform}\x1f{token}")


def preferences_id(chat_id: UUID, user: str) -> UUID:
    return uuid5(NAMESPACE, f"preferences\x1f{chat_id}\x1f{user}")


def skipped_event_id(follower: str, position: int) -> UUID:
    """An operator skips an event for one follower once."""
    return uuid5(NAMESPACE, f"skipped\x1f{follower}\x1f{position}")
