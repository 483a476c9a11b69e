"""The inbox read model: chats, their members with read positions and unread
counts, and message history. Every write takes the Tracking of the event it
comes from and commits rows and tracking in one transaction; the reads are in
projections/inbox_reads.py. Backends differ only in placeholders and table
creation (projections/sql_view.py)."""

from typing import NamedTuple

from eventsourcing.persistence import Tracking

from projections import changes, inbox_reactions
from projections.changes import ChangeLog
from projections.inbox_reactions import InboxReactions
from projections.inbox_counts import (
    MEMBERS_AFTER_POST, RECOUNT_MENTIONS, UnreadCounts, members_counted, mentioned)
from projections.inbox_preferences import PreferenceWrites
from projections.inbox_reads import InboxReads
from projections.inbox_replies import InboxReplies
from projections.sql_view import SQLView

TABLES = (
    "CREATE TABLE IF NOT EXISTS inbox_users ("
    " user_id TEXT PRIMARY KEY, name TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS inbox_chats ("
    " chat_id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, admin TEXT NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_message TEXT NOT NULL,"
    " last_seq BIGINT NOT NULL, activity BIGINT NOT NULL, deleted INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS inbox_members ("
    " chat_id TEXT NOT NULL, user_id TEXT NOT NULL, position INTEGER NOT NULL,"
    " read_seq BIGINT NOT NULL, unread BIGINT NOT NULL, muted INTEGER NOT NULL DEFAULT 0,"
    # pinned: the position of the event that pinned it (0: not), so the latest sorts first
    " pinned BIGINT NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0,"
    " mentions_unread BIGINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (chat_id, user_id))",
    "CREATE INDEX IF NOT EXISTS inbox_members_by_user ON inbox_members (user_id)",
    "CREATE TABLE IF NOT EXISTS inbox_messages ("
    " chat_id TEXT NOT NULL, seq BIGINT NOT NULL, message_id TEXT NOT NULL,"
    " sender TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, edited_at TEXT NOT NULL DEFAULT '',"
    " deleted INTEGER NOT NULL DEFAULT 0, attachments TEXT NOT NULL DEFAULT '',"
    " reply_to TEXT NOT NULL DEFAULT '', reactions INTEGER NOT NULL DEFAULT 0,"
    " mentions TEXT NOT NULL DEFAULT '', PRIMARY KEY (chat_id, seq))",
    "CREATE UNIQUE INDEX IF NOT EXISTS inbox_messages_by_id ON inbox_messages (message_id)",
    "CREATE TABLE IF NOT EXISTS inbox_uploads ("
    " upload_id TEXT PRIMARY KEY, owner TEXT NOT NULL, content_type TEXT NOT NULL,"
    " sha256 TEXT NOT NULL, has_thumbnail INTEGER NOT NULL, name TEXT NOT NULL DEFAULT '',"
    " size BIGINT NOT NULL DEFAULT 0)",
    # Where each upload was sent: one upload may go to several chats.
    "CREATE TABLE IF NOT EXISTS inbox_attachments ("
    " upload_id TEXT NOT NULL, message_id TEXT NOT NULL, chat_id TEXT NOT NULL,"
    " PRIMARY KEY (upload_id, message_id))",
    *changes.TABLES,
    *inbox_reactions.TABLES,
)
TABLE_NAMES = ("inbox_users", "inbox_chats", "inbox_members", "inbox_messages", "inbox_uploads",
               "inbox_attachments", *changes.TABLE_NAMES, *inbox_reactions.TABLE_NAMES)

# Unread recounted from the messages after a member's read position, and
# the mentions of them among those: the definition itself, so it cannot drift.
RECOUNT_UNREAD = (
    "unread = (SELECT COUNT(*) FROM inbox_messages m WHERE m.chat_id = inbox_members.chat_id"
    " AND m.seq > inbox_members.read_seq AND m.sender <> inbox_members.user_id"
    " AND m.deleted = 0), " + RECOUNT_MENTIONS
)


class Post(NamedTuple):
    """A message to write: post_message's arguments."""

    chat_id: str
    message_id: str
    sender: str
    content: str
    attachments: list[str]
    at: str
    tracking: Tracking
    reply_to: str = ""  # the id of the message it replies to
    mentions: tuple[str, ...] = ()


class InboxView(PreferenceWrites, InboxReads, InboxReplies, InboxReactions, ChangeLog, SQLView):
    TABLES = TABLES
    TABLE_NAMES = TABLE_NAMES

    # --- writes, one per fact -------------------------------------------------

    def register_user(self, user_id: str, name: str, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            self._run(c, "INSERT INTO inbox_users (user_id, name) VALUES (:user, :name) "
                         "ON CONFLICT (user_id) DO UPDATE SET name = :name", user=user_id, name=name)

    def start_chat(self, chat_id: str, kind: str, name: str, admin: str,
                   members: list[str], at: str, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            # Total over what was ever stored: a member listed twice (stored
            # before the domain refused it) is a member once.
            self._run(c, "INSERT INTO inbox_chats VALUES (:chat, :kind, :name, :admin, :at, :at,"
                         " '', 0, :activity, 0) ON CONFLICT DO NOTHING", chat=chat_id, kind=kind,
                      name=name, admin=admin, at=at, activity=tracking.notification_id)
            for position, user in enumerate(dict.fromkeys(members)):
                self._run(c, "INSERT INTO inbox_members (chat_id, user_id, position, read_seq, unread)"
                             " VALUES (:chat, :user, :position, 0, 0) ON CONFLICT DO NOTHING",
                          chat=chat_id, user=user, position=position)

    def rename_chat(self, chat_id: str, name: str, at: str, tracking: Tracking) -> list[str]:
        with self._write(tracking) as c:
            self._run(c, "UPDATE inbox_chats SET name = :name, updated_at = :at, activity = :activity"
                         " WHERE chat_id = :chat", chat=chat_id, name=name, at=at,
                      activity=tracking.notification_id)
            return self._members(c, chat_id)

    def delete_chat(self, chat_id: str, tracking: Tracking) -> list[str]:
        """Gone for every member: history leaves the view (the events stay)."""
        with self._write(tracking) as c:
            self._run(c, "UPDATE inbox_chats SET deleted = 1, last_message = '' WHERE chat_id = :chat",
                      chat=chat_id)
            self._run(c, "DELETE FROM inbox_messages WHERE chat_id = :chat", chat=chat_id)
            self._run(c, "DELETE FROM inbox_attachments WHERE chat_id = :chat", chat=chat_id)
            return self._members(c, chat_id)

    def reopen_chat(self, chat_id: str, name: str, at: str, tracking: Tracking) -> list[str]:
        with self._write(tracking) as c:
            self._run(c, "UPDATE inbox_chats SET deleted = 0, name = :name, created_at = :at,"
                         " updated_at = :at, activity = :activity WHERE chat_id = :chat",
                      chat=chat_id, name=name, at=at, activity=tracking.notification_id)
            self._run(c, "UPDATE inbox_members SET unread = 0, mentions_unread = 0, read_seq ="
                         " (SELECT last_seq FROM inbox_chats WHERE chat_id = :chat)"
                         " WHERE chat_id = :chat", chat=chat_id)
            return self._members(c, chat_id)

    def post_message(self, chat_id: str, message_id: str, sender: str, content: str,
                     attachments: list[str], at: str, tracking: Tracking,
                     reply_to: str = "", mentions: tuple[str, ...] = ()
                     ) -> list[tuple[str, UnreadCounts]]:
        """Costs the same in a chat of ten messages or of a million: it touches
        the chat row, the new message and one row per member."""
        with self._write(tracking) as c:
            self._run(c, "UPDATE inbox_chats SET last_seq = last_seq + 1, last_message = :content,"
                         " updated_at = :at, activity = :activity WHERE chat_id = :chat AND deleted = 0"
                         " RETURNING last_seq", chat=chat_id, content=content, at=at,
                      activity=tracking.notification_id)
            row = c.fetchone()
            if row is None:  # posted while the chat was being deleted
                return []
            seq = row["last_seq"]
            self._run(c, "INSERT INTO inbox_messages (chat_id, seq, message_id, sender, content,"
                         " created_at, updated_at, attachments, reply_to, mentions) VALUES (:chat,"
                         " :seq, :message, :sender, :content, :at, :at, :attachments, :reply_to,"
                         " :mentions)",
                      chat=chat_id, seq=seq, message=message_id, sender=sender, content=content,
                      at=at, attachments=" ".join(attachments), reply_to=reply_to,
                      mentions=" ".join(mentions))
            for upload_id in attachments:
                self._run(c, "INSERT INTO inbox_attachments VALUES (:upload, :message, :chat)"
                             " ON CONFLICT DO NOTHING", upload=upload_id, message=message_id,
                          chat=chat_id)
            # One statement, returning the members with their counts.
            self._run(c, MEMBERS_AFTER_POST, chat=chat_id, seq=seq, sender=sender,
                      mentioned=mentioned(mentions))
            return members_counted(c.fetchall())

    def post_messages(self, posts: list["Post"]) -> list[list[tuple[str, UnreadCounts]]]:
        """Many at once, in order: each one's members with their unread counts
        (none if its chat is gone)."""
        return [self.post_message(*post) for post in posts]

    def read_up_to(self, chat_id: str, user_id: str, message_id: str,
                   tracking: Tracking) -> list[str]:
        """Unread is recounted from the messages after the new read position, so
        it is always what the events say, never an increment gone astray.
        Returns the chat's members if the position moved (they hear of it)."""
        with self._write(tracking) as c:
            self._run(c, "SELECT seq FROM inbox_messages WHERE message_id = :message AND chat_id = :chat",
                      message=message_id, chat=chat_id)
            row = c.fetchone()
            if row is None:
                return []
            self._run(c, "UPDATE inbox_members SET read_seq = :seq WHERE chat_id = :chat"
                         " AND user_id = :user AND read_seq < :seq RETURNING user_id",
                      chat=chat_id, user=user_id, seq=row["seq"])
            if c.fetchone() is None:
                return []
            self._run(c, f"UPDATE inbox_members SET {RECOUNT_UNREAD} WHERE chat_id = :chat"
                         " AND user_id = :user", chat=chat_id, user=user_id)
            return self._members(c, chat_id)

    def add_members(self, chat_id: str, users: list[str], tracking: Tracking) -> list[str]:
        """New members see the whole history, none of it unread."""
        with self._write(tracking) as c:
            self._run(c, "SELECT last_seq, (SELECT COALESCE(MAX(position), -1) FROM inbox_members"
                         " WHERE chat_id = :chat) AS last_position FROM inbox_chats"
                         " WHERE chat_id = :chat", chat=chat_id)
            row = c.fetchone()
            if row is None:  # not a chat this view knows
                return []
            for offset, user in enumerate(dict.fromkeys(users), start=1):
                self._run(c, "INSERT INTO inbox_members (chat_id, user_id, position, read_seq,"
                             " unread) VALUES (:chat, :user, :position, :seq, 0)"
                             " ON CONFLICT DO NOTHING", chat=chat_id, user=user,
                          position=row["last_position"] + offset, seq=row["last_seq"])
            self._touch(c, chat_id, tracking)
            return self._members(c, chat_id)

    def remove_members(self, chat_id: str, users: list[str], admin: str | None,
                       tracking: Tracking) -> list[str]:
        with self._write(tracking) as c:
            for user in users:
                self._run(c, "DELETE FROM inbox_members WHERE chat_id = :chat AND user_id = :user",
                          chat=chat_id, user=user)
            if admin is not None:
                self._run(c, "UPDATE inbox_chats SET admin = :admin WHERE chat_id = :chat",
                          admin=admin, chat=chat_id)
            self._touch(c, chat_id, tracking)
            return self._members(c, chat_id)

    def edit_message(self, chat_id: str, message_id: str, content: str, at: str,
                     tracking: Tracking) -> list[str]:
        with self._write(tracking) as c:
            self._run(c, "UPDATE inbox_messages SET content = :content, edited_at = :at,"
                         " updated_at = :at WHERE message_id = :message AND deleted = 0",
                      content=content, at=at, message=message_id)
            self._follow_last_message(c, chat_id)
            return self._members(c, chat_id)

    def delete_message(self, chat_id: str, message_id: str, at: str,
                       tracking: Tracking) -> list[str]:
        """A deleted message stays in history as deleted, without its text."""
        with self._write(tracking) as c:
            self._run(c, "UPDATE inbox_messages SET content = '', attachments = '', mentions = '',"
                         " deleted = 1, updated_at = :at WHERE message_id = :message", at=at,
                      message=message_id)
            self._run(c, "DELETE FROM inbox_attachments WHERE message_id = :message",
                      message=message_id)
            self._follow_last_message(c, chat_id)
            self._run(c, f"UPDATE inbox_members SET {RECOUNT_UNREAD} WHERE chat_id = :chat",
                      chat=chat_id)
            return self._members(c, chat_id)

    def store_upload(self, upload_id: str, owner: str, content_type: str, sha256: str,
                     has_thumbnail: bool, name: str, size: int, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            self._run(c, "INSERT INTO inbox_uploads (upload_id, owner, content_type, sha256,"
                         " has_thumbnail, name, size) VALUES (:upload, :owner, :type, :sha256,"
                         " :thumbnail, :name, :size) ON CONFLICT DO NOTHING", upload=upload_id,
                      owner=owner, type=content_type, sha256=sha256,
                      thumbnail=int(has_thumbnail), name=name, size=size)

    def _follow_last_message(self, c, chat_id: str) -> None:
        """lastest_message is the newest message that is not deleted."""
        self._run(c, "UPDATE inbox_chats SET last_message = COALESCE((SELECT content FROM"
                     " inbox_messages WHERE chat_id = :chat AND deleted = 0 ORDER BY seq DESC"
                     " LIMIT 1), '') WHERE chat_id = :chat", chat=chat_id)

    def _touch(self, c, chat_id: str, tracking: Tracking) -> None:
        self._run(c, "UPDATE inbox_chats SET activity = :activity WHERE chat_id = :chat",
                  activity=tracking.notification_id, chat=chat_id)

