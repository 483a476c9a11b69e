"""Reactions in the inbox view: who put which emoji on which message, each
emoji in the order it was first used there. A message's row counts its
reactions, so a page of messages without any costs no query for them; a
deleted message (or chat) loses its reactions from the view."""

from typing import NamedTuple

from eventsourcing.persistence import Tracking

TABLES = (
    # first_used: where the emoji was first put on the message, kept while
    # anyone still has it there, so that the emoji keep their places.
    "CREATE TABLE IF NOT EXISTS inbox_reactions ("
    " message_id TEXT NOT NULL, emoji TEXT NOT NULL, user_id TEXT NOT NULL,"
    " chat_id TEXT NOT NULL, first_used BIGINT NOT NULL, position BIGINT NOT NULL,"
    " PRIMARY KEY (message_id, emoji, user_id))",
    "CREATE INDEX IF NOT EXISTS inbox_reactions_by_chat ON inbox_reactions (chat_id)",
)
TABLE_NAMES = ("inbox_reactions",)

# inbox_messages.reactions is this: a definition, not an increment, so it cannot drift.
RECOUNT = ("UPDATE inbox_messages SET reactions = (SELECT COUNT(*) FROM inbox_reactions r"
           " WHERE r.message_id = :message) WHERE message_id = :message")


class Reaction(NamedTuple):
    emoji: str
    users: frozenset[str]  # who put it there; the count is how many


class InboxReactions:
    """Mixed into the inbox view (an SQLView)."""

    def add_reaction(self, message_id: str, user_id: str, emoji: str,
                     tracking: Tracking) -> list[str]:
        """Returns the chat's members if the message's reactions changed (not
        when it is deleted, or the reaction is there already)."""
        with self._write(tracking) as c:
            self._run(c, "INSERT INTO inbox_reactions (message_id, emoji, user_id, chat_id,"
                         " first_used, position) SELECT m.message_id, :emoji, :user, m.chat_id,"
                         " COALESCE((SELECT MIN(r.first_used) FROM inbox_reactions r"
                         " WHERE r.message_id = :message AND r.emoji = :emoji), :position),"
                         " :position FROM inbox_messages m WHERE m.message_id = :message"
                         " AND m.deleted = 0 ON CONFLICT DO NOTHING RETURNING chat_id",
                      message=message_id, emoji=emoji, user=user_id,
                      position=tracking.notification_id)
            return self._recounted(c, message_id)

    def remove_reaction(self, message_id: str, user_id: str, emoji: str,
                        tracking: Tracking) -> list[str]:
        with self._write(tracking) as c:
            self._run(c, "DELETE FROM inbox_reactions WHERE message_id = :message"
                         " AND emoji = :emoji AND user_id = :user RETURNING chat_id",
                      message=message_id, emoji=emoji, user=user_id)
            return self._recounted(c, message_id)

    def _recounted(self, c, message_id: str) -> list[str]:
        row = c.fetchone()
        if row is None:  # nothing changed
            return []
        self._run(c, RECOUNT, message=message_id)
        return self._members(c, row["chat_id"])

    def forget_reactions(self, tracking: Tracking, message_id: str = "", chat_id: str = "") -> None:
        """A deleted message's, or every message's of a deleted chat."""
        with self._write(tracking) as c:
            if message_id:
                self._run(c, "DELETE FROM inbox_reactions WHERE message_id = :message",
                          message=message_id)
                self._run(c, RECOUNT, message=message_id)
            if chat_id:
                self._run(c, "DELETE FROM inbox_reactions WHERE chat_id = :chat", chat=chat_id)

    def _reactions_of(self, c, rows) -> dict[str, tuple[Reaction, ...]]:
        """By message id, the reactions of those rows (of inbox_messages) that
        have any: one query, or none."""
        params = {f"r{n}": row["message_id"]
                  for n, row in enumerate(row for row in rows if row["reactions"])}
        if not params:
            return {}
        self._run(c, "SELECT message_id, emoji, user_id FROM inbox_reactions WHERE message_id IN"
                     f" ({', '.join(':' + name for name in params)})"
                     " ORDER BY message_id, first_used, position", **params)
        found: dict[str, dict[str, set[str]]] = {}
        for row in c.fetchall():
            found.setdefault(row["message_id"], {}).setdefault(row["emoji"], set()).add(
                row["user_id"])
        return {message_id: tuple(Reaction(emoji, frozenset(users))
                                  for emoji, users in by_emoji.items())
                for message_id, by_emoji in found.items()}
