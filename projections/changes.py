"""The change log: what each committed batch of the inbox view changed for
whom, written in the batch's own transaction. Every server process reads it
to deliver live updates to its own connections, so a message sent through one
process reaches members connected to another, through the database alone."""

import json
from dataclasses import dataclass, field
from typing import Any

from projections.sql_view import storable

CHAT = "chat"  # a chat's name, members or settings changed, or it was started or deleted
MESSAGE_NEW = "message_new"
MESSAGE_EDITED = "message_edited"
MESSAGE_DELETED = "message_deleted"
READ = "read"  # a member read up to a message
REACTIONS = "reactions"  # a message's reactions changed

# Live delivery is for the present: a process further behind than this many
# events has lost its clients' attention anyway (they resync when they reconnect).
KEEP_CHANGES = 100_000
PRUNE_EVERY = 1000  # events: older changes are deleted once per this many, not every commit
READ_LIMIT = 1000

TABLES = (
    "CREATE TABLE IF NOT EXISTS inbox_changes ("
    " position BIGINT PRIMARY KEY, chat_id TEXT NOT NULL, what TEXT NOT NULL,"
    " users TEXT NOT NULL, removed TEXT NOT NULL, message_id TEXT NOT NULL,"
    " reader TEXT NOT NULL, at_us BIGINT NOT NULL)",
)
TABLE_NAMES = ("inbox_changes",)


@dataclass(frozen=True)
class Change:
    """What one event changed in the view, for live delivery: what happened,
    to which chat, who should hear of it, and for whom the chat is gone."""

    position: int
    chat_id: str = ""
    what: str = ""
    users: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    message_id: str = ""
    reader: str = ""
    at_us: int = 0  # when the event happened, in microseconds since the epoch


@dataclass
class Committed:
    """What one transaction changed, filled in while it is written: for live
    delivery in the process that wrote it, straight from the writer, with no
    read of the change log or of the messages."""

    first: int = 0  # the first position it projected
    head: int = 0  # and the last
    changes: list[Change] = field(default_factory=list)
    # message_new changes by position: the message and its members' unread counts
    posted: dict[int, tuple[Any, dict[str, int]]] = field(default_factory=dict)


class ChangeLog:
    """Mixed into the inbox view (an SQLView)."""

    def record_changes(self, c, changes: list[Change], first: int, head: int) -> None:
        """The changes of the events from `first` to `head`, in their transaction."""
        if changes:
            c.executemany(self.placeholders(
                "INSERT INTO inbox_changes VALUES (:position, :chat, :what, :users, :removed,"
                " :message, :reader, :at)"), [storable(
                {"position": change.position, "chat": change.chat_id, "what": change.what,
                 "users": json.dumps(change.users), "removed": json.dumps(change.removed),
                 "message": change.message_id, "reader": change.reader, "at": change.at_us})
                for change in changes])
        if (first - 1) // PRUNE_EVERY != head // PRUNE_EVERY:
            self._run(c, "DELETE FROM inbox_changes WHERE position <= :horizon",
                      horizon=head - KEEP_CHANGES)

    def changes_after(self, position: int) -> tuple[int, list[Change]]:
        """How far the view has got, and the changes after `position` up to there."""
        with self._read() as c:
            head = self._max_tracking_id(self.APPLICATION, c) or 0
            if head <= position:
                return head, []
            self._run(c, "SELECT * FROM inbox_changes WHERE position > :after"
                         " AND position <= :head ORDER BY position LIMIT :limit",
                      after=position, head=head, limit=READ_LIMIT)
            rows = c.fetchall()
        if len(rows) == READ_LIMIT:
            head = rows[-1]["position"]  # the rest on the next read
        return head, [Change(row["position"], row["chat_id"], row["what"],
                             tuple(json.loads(row["users"])), tuple(json.loads(row["removed"])),
                             row["message_id"], row["reader"], row["at_us"]) for row in rows]
