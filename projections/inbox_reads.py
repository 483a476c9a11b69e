"""The inbox view's reads: a user's chats, a chat's members and history (what
a file's reader may see is projections/inbox_files.py). Written by projections/inbox_view.py, in the
transaction that stores the events."""

from dataclasses import dataclass

from domain.errors import MessageNotFoundError
from projections.inbox_reactions import Reaction
from projections.inbox_replies import MESSAGE_ROWS, ReplyTo, reply_of
from projections.inbox_counts import UNREAD_TOTAL, UnreadCounts
from projections.inbox_files import Attachment, InboxFiles

CHAT_COLUMNS = (
    "c.chat_id, c.kind, c.name, c.admin, c.last_message, c.created_at, c.updated_at, me.unread,"
    " me.muted, me.pinned, me.archived, me.mentions_unread"
)

# Version 2's members: each one's name and presence (projections/presence.py),
# joined in the members' own query rather than read in queries of their own.
NAME_AND_PRESENCE = (
    "COALESCE(u.name, '') AS name, COALESCE(p.online, 0) AS online,"
    " COALESCE(p.last_seen_at, '') AS last_seen_at, h.user_id IS NOT NULL AS hidden"
)
NAME_AND_PRESENCE_JOINS = (
    "LEFT JOIN inbox_users u ON u.user_id = m.user_id"
    " LEFT JOIN presence_users p ON p.user_id = m.user_id"
    " LEFT JOIN inbox_presence_hidden h ON h.user_id = m.user_id"
)


@dataclass(frozen=True)
class ChatSummary:
    chat_id: str
    kind: str
    name: str
    admin: str
    members: tuple[str, ...]
    last_message: str
    unread: int
    created_at: str
    updated_at: str
    muted: bool = False
    names: tuple[str, ...] = ()  # each member's registered name ("" for none), as `members`
    pinned: bool = False
    archived: bool = False
    mentions_unread: int = 0  # unread messages that mention this user
    # each member's (online, last seen at or ""), as this user is shown it, as `members`
    presence: tuple[tuple[bool, str], ...] = ()


@dataclass(frozen=True)
class MessageRecord:
    message_id: str
    chat_id: str
    sender: str
    content: str
    created_at: str
    updated_at: str
    is_read: bool
    edited_at: str = ""
    deleted: bool = False
    attachments: tuple[Attachment, ...] = ()
    reply_to: ReplyTo | None = None
    reactions: tuple[Reaction, ...] = ()  # in the order each emoji was first used
    mentions: tuple[str, ...] = ()


class InboxReads(InboxFiles):
    """Mixed into the inbox view (an SQLView)."""

    def _members(self, c, chat_id: str) -> list[str]:
        self._run(c, "SELECT user_id FROM inbox_members WHERE chat_id = :chat ORDER BY position",
                  chat=chat_id)
        return [row["user_id"] for row in c.fetchall()]

    def _named_members(self, c, chat_id: str, viewer: str) -> list[tuple[str, str, tuple]]:
        """A chat's members, in the order they joined, with their names and
        their presence as `viewer` is shown it."""
        self._run(c, f"SELECT m.user_id, {NAME_AND_PRESENCE} FROM inbox_members m"
                     f" {NAME_AND_PRESENCE_JOINS} WHERE m.chat_id = :chat ORDER BY m.position",
                  chat=chat_id)
        return [_member(row, viewer) for row in c.fetchall()]

    def chat_list(self, user_id: str, with_names: bool = False,
                  archived: bool | None = False) -> list[ChatSummary]:
        """The user's chats, pinned first (the latest pinned first), then most
        recent activity first; `with_names`: the members' names too (version 2
        shows them; version 1, re-sent after every message, is spared the
        join); `archived`: the archived chats instead (None: all)."""
        archive = "" if archived is None else " AND me.archived = :archived"
        with self._read() as c:
            self._run(c, f"SELECT {CHAT_COLUMNS} FROM inbox_members me JOIN inbox_chats c"
                         " ON c.chat_id = me.chat_id WHERE me.user_id = :user AND c.deleted = 0"
                         f"{archive} ORDER BY me.pinned DESC, c.activity DESC", user=user_id,
                      archived=int(bool(archived)))
            chats = c.fetchall()
            columns, joins = ((NAME_AND_PRESENCE, NAME_AND_PRESENCE_JOINS) if with_names
                              else ("'' AS name", ""))
            self._run(c, f"SELECT m.chat_id, m.user_id, {columns} FROM inbox_members me"
                         f" JOIN inbox_members m ON m.chat_id = me.chat_id {joins}"
                         " WHERE me.user_id = :user ORDER BY m.chat_id, m.position", user=user_id)
            members: dict[str, list[tuple[str, str, tuple]]] = {}
            for row in c.fetchall():
                members.setdefault(row["chat_id"], []).append(
                    _member(row, user_id) if with_names else (row["user_id"], row["name"], ()))
        return [_summary(row, members.get(row["chat_id"], [])) for row in chats]

    def chat(self, user_id: str, chat_id: str) -> ChatSummary | None:
        """The chat as this user sees it, or None if they are not in it."""
        with self._read() as c:
            self._run(c, f"SELECT {CHAT_COLUMNS} FROM inbox_members me JOIN inbox_chats c"
                         " ON c.chat_id = me.chat_id WHERE me.user_id = :user"
                         " AND me.chat_id = :chat AND c.deleted = 0", user=user_id, chat=chat_id)
            row = c.fetchone()
            if row is None:
                return None
            return _summary(row, self._named_members(c, chat_id, user_id))

    def audience(self, chat_id: str) -> tuple[str, str, list[tuple[str, bool]]]:
        """A chat's kind and name, and its members with whether each has muted it."""
        with self._read() as c:
            self._run(c, "SELECT kind, name FROM inbox_chats WHERE chat_id = :chat AND deleted = 0",
                      chat=chat_id)
            row = c.fetchone()
            if row is None:
                return "", "", []
            self._run(c, "SELECT user_id, muted FROM inbox_members WHERE chat_id = :chat"
                         " ORDER BY position", chat=chat_id)
            members = [(member["user_id"], bool(member["muted"])) for member in c.fetchall()]
        return row["kind"], row["name"], members

    def user_name(self, user_id: str) -> str:
        """The name the user is registered with; "" for none, or no such user."""
        return self.registered_name(user_id) or ""

    def registered_name(self, user_id: str) -> str | None:
        """The name the user is registered with; None if they are not."""
        with self._read() as c:
            self._run(c, "SELECT name FROM inbox_users WHERE user_id = :user", user=user_id)
            row = c.fetchone()
        return row["name"] if row else None

    def message(self, message_id: str, reader: str) -> MessageRecord | None:
        """The message, if `reader` is in its chat (and the chat not deleted)."""
        with self._read() as c:
            self._run(c, f"{MESSAGE_ROWS} JOIN inbox_members me"
                         " ON me.chat_id = m.chat_id AND me.user_id = :reader"
                         " JOIN inbox_chats c ON c.chat_id = m.chat_id AND c.deleted = 0"
                         " WHERE m.message_id = :message", message=message_id, reader=reader)
            row = c.fetchone()
            if row is None:
                return None
            return _message(row, self._read_positions(c, row["chat_id"]),
                            self._uploads_of(c, [row]), self._reactions_of(c, [row]))

    def messages_by_id(self, message_ids: list[str]) -> tuple[dict[str, MessageRecord],
                                                             dict[str, dict[str, UnreadCounts]]]:
        """Many messages at once, and every member's unread counts in their
        chats (those still there): three queries, however many messages."""
        if not message_ids:
            return {}, {}
        with self._read() as c:
            ids = {f"m{n}": message_id for n, message_id in enumerate(message_ids)}
            self._run(c, f"{MESSAGE_ROWS} WHERE m.message_id IN ({_names(ids)})", **ids)
            rows = c.fetchall()
            uploads, reactions = self._uploads_of(c, rows), self._reactions_of(c, rows)
            chats = {f"c{n}": chat for n, chat in enumerate({row["chat_id"] for row in rows})}
            read: dict[str, dict[str, int]] = {chat: {} for chat in chats.values()}
            unread: dict[str, dict[str, int]] = {}
            if chats:
                self._run(c, "SELECT me.chat_id, me.user_id, me.read_seq, me.unread,"
                             " me.mentions_unread, c.deleted, (" + UNREAD_TOTAL.format(
                                 user="me.user_id") + ") AS unread_total"
                             " FROM inbox_members me JOIN inbox_chats c ON c.chat_id = me.chat_id"
                             f" WHERE me.chat_id IN ({_names(chats)})", **chats)
                for row in c.fetchall():
                    read[row["chat_id"]][row["user_id"]] = row["read_seq"]
                    if not row["deleted"]:
                        unread.setdefault(row["chat_id"], {})[row["user_id"]] = UnreadCounts(
                            row["unread"], row["mentions_unread"], int(row["unread_total"]))
        return {row["message_id"]: _message(row, read[row["chat_id"]], uploads, reactions) for row in rows}, unread

    def members_of(self, chat_ids: list[str]) -> dict[str, list[str]]:
        """The members of each of these chats that is not deleted: one query."""
        if not chat_ids:
            return {}
        with self._read() as c:
            chats = {f"c{n}": chat for n, chat in enumerate(dict.fromkeys(chat_ids))}
            self._run(c, "SELECT m.chat_id, m.user_id FROM inbox_members m JOIN inbox_chats c"
                         " ON c.chat_id = m.chat_id AND c.deleted = 0"
                         f" WHERE m.chat_id IN ({_names(chats)})", **chats)
            members: dict[str, list[str]] = {}
            for row in c.fetchall():
                members.setdefault(row["chat_id"], []).append(row["user_id"])
        return members

    def total_unread(self, user_id: str) -> int:
        """What an app icon's badge shows: the unread of the chats in the
        user's list (archived chats are not)."""
        with self._read() as c:
            self._run(c, f"SELECT ({UNREAD_TOTAL.format(user=':user')}) AS unread", user=user_id)
            return int(c.fetchone()["unread"])

    def last_message_id(self, chat_id: str) -> str | None:
        with self._read() as c:
            self._run(c, "SELECT message_id FROM inbox_messages WHERE chat_id = :chat"
                         " ORDER BY seq DESC LIMIT 1", chat=chat_id)
            row = c.fetchone()
        return row["message_id"] if row else None

    def messages(self, chat_id: str, limit: int | None = None,
                 before: str | None = None) -> list[MessageRecord]:
        """Oldest first: the newest `limit` messages, before message `before` if given."""
        with self._read() as c:
            before_seq = None
            if before is not None:
                self._run(c, "SELECT seq FROM inbox_messages WHERE message_id = :message"
                             " AND chat_id = :chat", message=before, chat=chat_id)
                row = c.fetchone()
                if row is None:
                    raise MessageNotFoundError(before)
                before_seq = row["seq"]
            sql = f"{MESSAGE_ROWS} WHERE m.chat_id = :chat"
            if before_seq is not None:
                sql += " AND m.seq < :before"
            sql += " ORDER BY m.seq DESC" + (" LIMIT :limit" if limit is not None else "")
            self._run(c, sql, chat=chat_id, before=before_seq, limit=limit)
            rows = c.fetchall()[::-1]
            read = self._read_positions(c, chat_id)
            uploads, reactions = self._uploads_of(c, rows), self._reactions_of(c, rows)
        return [_message(row, read, uploads, reactions) for row in rows]

    def _read_positions(self, c, chat_id: str) -> dict[str, int]:
        self._run(c, "SELECT user_id, read_seq FROM inbox_members WHERE chat_id = :chat",
                  chat=chat_id)
        return {row["user_id"]: row["read_seq"] for row in c.fetchall()}


def _names(params: dict) -> str:
    return ", ".join(f":{name}" for name in params)


def _member(row, viewer: str) -> tuple[str, str, tuple[bool, str]]:
    """(user, name, (online, last seen)) as `viewer` is shown them: a user
    hiding their presence is offline, never seen, to everyone but themself;
    the viewer, reading, is online; last seen only while offline."""
    user = row["user_id"]
    if user == viewer:
        return user, row["name"], (True, "")
    if row["hidden"]:
        return user, row["name"], (False, "")
    online = bool(row["online"])
    return user, row["name"], (online, "" if online else row["last_seen_at"])


def _summary(row, members: list[tuple[str, str, tuple]]) -> ChatSummary:
    return ChatSummary(
        chat_id=row["chat_id"], kind=row["kind"], name=row["name"], admin=row["admin"],
        members=tuple(user for user, _, _ in members), last_message=row["last_message"],
        unread=row["unread"], created_at=row["created_at"], updated_at=row["updated_at"],
        muted=bool(row["muted"]), names=tuple(name for _, name, _ in members),
        presence=tuple(shown for _, _, shown in members if shown),
        pinned=bool(row["pinned"]), archived=bool(row["archived"]),
        mentions_unread=row["mentions_unread"],
    )


def _message(row, read_seq: dict[str, int], uploads: dict[str, Attachment],
             reactions: dict[str, tuple[Reaction, ...]]) -> MessageRecord:
    """From a row of MESSAGE_ROWS; `uploads` and `reactions`: from _uploads_of
    and _reactions_of, by upload and message id."""
    others = [seq for user, seq in read_seq.items() if user != row["sender"]]
    return MessageRecord(
        message_id=row["message_id"], chat_id=row["chat_id"], sender=row["sender"],
        content=row["content"], created_at=row["created_at"], updated_at=row["updated_at"],
        is_read=bool(others) and all(seq >= row["seq"] for seq in others),
        edited_at=row["edited_at"], deleted=bool(row["deleted"]),
        attachments=tuple(uploads.get(upload) or Attachment(upload)
                          for upload in row["attachments"].split()),
        reply_to=reply_of(row), reactions=reactions.get(row["message_id"], ()),
        mentions=tuple(row["mentions"].split()),
    )
