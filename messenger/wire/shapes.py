"""The frames the server sends: version 1 in the seed's shapes, field for
field (with fields added, never removed), version 2 in deltas."""

from domain.chat import BOT_BOOKINGS, GROUP, SUPPORT
from messenger.wire.protocol import encode
from projections.inbox_counts import UnreadCounts
from projections.inbox_reactions import Reaction
from projections.inbox_files import Attachment
from projections.inbox_reads import ChatSummary, MessageRecord
from projections.inbox_replies import ReplyTo
from projections.inbox_search import SearchPage

# --- the seed's shapes ---------------------------------------------------------

# Version 1 repeats a chat in every chat_list and in every message of a
# chat_messages, so a big group's member list is cut there (users_count and
# users_truncated say so); the chat_list answering get_chat_messages has the
# opened chat's whole list. A live chat_messages keeps the newest messages of
# the window that fit V1_FRAME_BYTES, the newest one always.
V1_FRAME_BYTES = 64 * 1024
V1_LIST_USERS = 100  # in a chat_list entry: the client's roster of the chat
V1_MESSAGE_USERS = 20  # in a message's chat: a reference, repeated per message


def chat_json(chat: ChatSummary, max_users: int | None = None, names: bool = False) -> dict:
    """`names`: each user with the name they registered, and their presence (version 2)."""
    shown = chat.members if max_users is None else chat.members[:max_users]
    if names and len(chat.names) == len(chat.members):
        users = [{"user_id": user, "name": name} for user, name in zip(shown, chat.names)]
        if len(chat.presence) == len(chat.members):
            for user, (online, last_seen_at) in zip(users, chat.presence):
                user["online"], user["last_seen_at"] = online, last_seen_at or None
    else:
        users = [{"user_id": user} for user in shown]
    return {
        "chat_id": chat.chat_id,
        "chat_name": chat.name,
        "users": users,
        "users_count": len(chat.members),
        "users_truncated": len(shown) < len(chat.members),
        "IsGroupChat": chat.kind == GROUP,
        "lastest_message": chat.last_message,
        "group_admin": chat.admin,
        "is_tech_support": chat.kind == SUPPORT,
        "is_telegram_chat": chat.kind == BOT_BOOKINGS,
        "unread": chat.unread,
        "created_at": chat.created_at,
        "updated_at": chat.updated_at,
        "kind": chat.kind,
        "muted": chat.muted,
        "pinned": chat.pinned,
        "archived": chat.archived,
        "mentions_unread": chat.mentions_unread,
    }


def message_json(message: MessageRecord, chat: dict, viewer: str = "") -> dict:
    """Version 1: the seed's message, with the chat inside, and what is new
    (`viewer`: who receives it, for whether they reacted)."""
    return {
        "id": message.message_id,
        "sender": message.sender,
        "content": message.content,
        "chat": chat,
        "is_read": message.is_read,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        **_message_news(message, viewer),
    }


def message_v2(message: MessageRecord, viewer: str = "") -> dict:
    return {
        "id": message.message_id,
        "chat_id": message.chat_id,
        "sender": message.sender,
        "content": message.content,
        "is_read": message.is_read,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        **_message_news(message, viewer),
    }


def _message_news(message: MessageRecord, viewer: str) -> dict:
    return {
        "edited_at": message.edited_at or None,
        "deleted": message.deleted,
        "attachments": [attachment_json(attachment) for attachment in message.attachments],
        # Most messages have neither: they cost no call (a message is rendered per send).
        "mentions": list(message.mentions),
        "reply_to": None if message.reply_to is None else _reply_json(message.reply_to),
        "reactions": reactions_json(message.reactions, viewer) if message.reactions else [],
    }


def _reply_json(reply: ReplyTo) -> dict:
    return {"id": reply.message_id, "sender": reply.sender, "excerpt": reply.excerpt,
            "deleted": reply.deleted}


def reactions_json(reactions: tuple[Reaction, ...], viewer: str) -> list[dict]:
    return [{"emoji": reaction.emoji, "count": len(reaction.users), "me": viewer in reaction.users}
            for reaction in reactions]


def reacted_by(messages: list[MessageRecord], viewer: str) -> tuple[tuple[str, str], ...]:
    """The viewer's own reactions among these messages': two viewers who
    have the same (most often none) are shown the same frames."""
    return tuple((message.message_id, reaction.emoji) for message in messages
                 for reaction in message.reactions if viewer in reaction.users)


def attachment_json(attachment: Attachment) -> dict:
    url = f"/api/v1/files/{attachment.upload_id}"
    return {"upload_id": attachment.upload_id, "url": url,
            "thumbnail_url": url + "?thumbnail=1" if attachment.has_thumbnail else None,
            "name": attachment.name, "content_type": attachment.content_type,
            "size": attachment.size, "kind": attachment.kind}


def chat_list_frame(chats: list[ChatSummary], whole: str = "",
                    max_users: int | None = V1_LIST_USERS, names: bool = False) -> dict:
    """`whole`: the one chat whose members are listed in full. `unread_total`:
    over the chats listed, as the badge counts (archived chats are not listed)."""
    return {"type": "chat_list", "data": [
        chat_json(chat, None if chat.chat_id == whole else max_users, names) for chat in chats],
        "unread_total": sum(chat.unread for chat in chats)}


def archived_chats_frame(chats: list[ChatSummary], max_users: int | None = V1_LIST_USERS,
                         names: bool = False) -> dict:
    return {"type": "archived_chats", "data": [chat_json(chat, max_users, names)
                                               for chat in chats]}


def chat_messages_frame(chat: ChatSummary, messages: list[MessageRecord],
                        budget: int | None = None, viewer: str = "") -> dict:
    """With a budget (bytes of JSON), the newest messages that fit, the newest always."""
    shown = chat_json(chat, V1_MESSAGE_USERS)
    frame = {"type": "chat_messages", "chat_id": chat.chat_id, "data": []}
    data = [message_json(message, shown, viewer) for message in messages]
    if budget is not None:
        data = _newest_that_fit(data, budget - _size(frame), _size(shown))
    frame["data"] = data
    return frame


def _newest_that_fit(data: list[dict], budget: int, chat_size: int) -> list[dict]:
    # The chat is the same in every message: measured once, not once per message.
    used, first = 0, len(data)
    while first > 0:
        used += _size({**data[first - 1], "chat": 0}) - 1 + chat_size + 1  # and a comma
        if used > budget and first < len(data):
            break
        first -= 1
    return data[first:]


def _size(value) -> int:
    return len(encode(value))  # UTF-8 bytes, as sent


# --- version 2: deltas --------------------------------------------------------

def chat_updated_frame(chat: ChatSummary) -> dict:
    return {"type": "chat_updated", "data": chat_json(chat, names=True)}


def chat_removed_frame(chat_id: str) -> dict:
    return {"type": "chat_removed", "data": {"chat_id": chat_id}}


def message_frame(kind: str, message: MessageRecord, viewer: str = "") -> dict:
    """message_new, message_edited or message_deleted."""
    return {"type": kind, "data": message_v2(message, viewer)}


def reactions_changed_frame(message: MessageRecord, viewer: str) -> dict:
    return {"type": "reactions_changed",
            "data": {"chat_id": message.chat_id, "message_id": message.message_id,
                     "reactions": reactions_json(message.reactions, viewer)}}


def unread_frame(chat_id: str, counts: UnreadCounts) -> dict:
    return {"type": "unread", "data": {"chat_id": chat_id, "unread": counts.unread,
                                       "mentions_unread": counts.mentions_unread,
                                       "unread_total": counts.unread_total}}


def read_receipt_frame(chat_id: str, user_id: str, message_id: str) -> dict:
    return {"type": "read_receipt",
            "data": {"chat_id": chat_id, "user_id": user_id, "message_id": message_id}}


def page_frame(chat_id: str, messages: list[MessageRecord], has_more: bool,
               viewer: str = "") -> dict:
    return {"type": "chat_messages", "chat_id": chat_id, "has_more": has_more,
            "data": [message_v2(message, viewer) for message in messages]}


def device_frame(kind: str, platform: str, token: str) -> dict:
    return {"type": kind, "data": {"platform": platform, "token": token}}


# --- both versions --------------------------------------------------------------

def search_results_frame(text: str, chat_id: str | None, page: SearchPage,
                         viewer: str = "") -> dict:
    """The same in both versions: each message in the version 2 shape, as `viewer` sees it."""
    return {"type": "search_results", "data": {
        "text": text, "chat_id": chat_id, "next": page.next,
        "results": [{"chat_id": hit.chat_id, "chat_name": hit.chat_name,
                     "message": message_v2(hit.message, viewer), "excerpt": hit.excerpt,
                     "highlights": [list(span) for span in hit.highlights]}
                    for hit in page.hits]}}


# --- typing and presence (version 2), never stored ----------------------------

def typing_frame(chat_id: str, user_id: str, name: str, expires_in_s: int) -> dict:
    return {"type": "typing", "data": {"chat_id": chat_id, "user_id": user_id, "name": name,
                                       "expires_in_s": expires_in_s}}


def presence_frame(user_id: str, online: bool, last_seen_at: str) -> dict:
    """`last_seen_at` only while offline ("" for never, or hidden): null."""
    return {"type": "presence", "data": {"user_id": user_id, "online": online,
                                         "last_seen_at": None if online else last_seen_at or None}}


def presence_settings_frame(visible: bool) -> dict:
    return {"type": "presence_settings", "data": {"visible": visible}}
