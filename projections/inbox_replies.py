"""What a message replies to. A reply's row keeps only the original's id
(inbox_messages.reply_to); the original's sender, text and whether it is
deleted are joined in when messages are read, so an edit or a deletion of
the original rewrites no reply, and every later read shows it as it is now."""

from typing import NamedTuple

from eventsourcing.persistence import Tracking

EXCERPT_CHARS = 100

# The messages (m), each with the original it replies to (o), if any.
MESSAGE_ROWS = (
    "SELECT m.*, o.sender AS reply_sender, o.content AS reply_content,"
    " o.deleted AS reply_deleted FROM inbox_messages m LEFT JOIN inbox_messages o"
    " ON m.reply_to <> '' AND o.message_id = m.reply_to"
)


class ReplyTo(NamedTuple):
    message_id: str
    sender: str
    excerpt: str  # the original's text now, cut to EXCERPT_CHARS; "" once deleted
    deleted: bool


def original(message_id: str, sender: str | None, content: str | None,
             deleted: bool | int | None) -> ReplyTo:
    """A deleted original, or one gone from the view, shows no text at all."""
    gone = sender is None or bool(deleted)
    return ReplyTo(message_id, sender or "", "" if gone else (content or "")[:EXCERPT_CHARS],
                   gone)


def reply_of(row) -> ReplyTo | None:
    """From a row of MESSAGE_ROWS."""
    if not row["reply_to"]:
        return None
    return original(row["reply_to"], row["reply_sender"], row["reply_content"],
                    row["reply_deleted"])


class InboxReplies:
    """Mixed into the inbox view (an SQLView)."""

    def originals(self, message_ids: list[str], tracking: Tracking) -> dict[str, ReplyTo]:
        """The messages replied to, read in the transaction writing the
        replies (inside its batch), for their live delivery: only posts that
        reply pay for it."""
        with self._write(tracking) as c:
            return self._originals(c, message_ids)

    def _originals(self, c, message_ids: list[str]) -> dict[str, ReplyTo]:
        params = {f"o{n}": message_id for n, message_id in enumerate(dict.fromkeys(message_ids))}
        if not params:
            return {}
        self._run(c, "SELECT message_id, sender, content, deleted FROM inbox_messages"
                     f" WHERE message_id IN ({', '.join(':' + name for name in params)})",
                  **params)
        rows = {row["message_id"]: (row["sender"], row["content"], row["deleted"])
                for row in c.fetchall()}
        return {message_id: original(message_id, *rows.get(message_id, (None, None, None)))
                for message_id in params.values()}
