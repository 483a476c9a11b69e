"""Message search, a read of the inbox view: the messages of the chats a
user is in now that hold every word searched for, newest first, a page at a
time, each with an excerpt and where the words are in it. The index is each
store's own (projections/inbox_search_sqlite.py, inbox_search_postgres.py),
kept by the database in the transaction that writes the messages: a posted,
edited or deleted message is found as it is as soon as it is acknowledged."""

import base64
import binascii
import json
import re
from dataclasses import dataclass, replace

from projections.inbox_reads import MessageRecord, _message
from projections.search_terms import Term

EXCERPT_CHARS = 160
EXCERPT_LEAD = 40  # characters shown before the first word found
START, STOP = "\x01", "\x02"  # the stores mark words found with these: the edge removes
#                               control characters from messages, so none is in a text
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@dataclass(frozen=True)
class SearchHit:
    chat_id: str
    chat_name: str
    message: MessageRecord
    excerpt: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) in code points of the excerpt


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    next: str | None  # the cursor of the page after this one, if there is one


class CursorError(ValueError):
    """A `before` that is not a cursor this server gave out."""


def cursor(row) -> str:
    """Opaque to clients: where a page ended. Its created_at and id (the order
    on PostgreSQL), and its `place` (the order on SQLite: its row's rowid)."""
    raw = json.dumps([row["created_at"], row["message_id"], row["place"]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def position(token: str) -> tuple[str, str, int]:
    try:
        at, message_id, place = json.loads(
            base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise CursorError(token) from None
    if not (isinstance(at, str) and STAMP.fullmatch(at) and isinstance(message_id, str)
            and 0 < len(message_id) <= 128 and type(place) is int and 0 <= place < 2**63):
        raise CursorError(token)
    return at, message_id, place


class InboxSearch:
    """Mixed into the inbox view; each store's subclass reads a page in _hits:
    rows of the message's columns, `place`, `chat_name`, `is_read` and
    `marked` (the text with the words found marked)."""

    def search_messages(self, user_id: str, found: list[Term], chat_id: str | None = None,
                        limit: int = 20, before: str | None = None) -> SearchPage:
        """`found`: the terms (projections/search_terms.py); none: nothing found.
        `before`: the `next` of the page before (CursorError if it is not one)."""
        after = position(before) if before is not None else None
        if not found:
            return SearchPage((), None)
        with self._read() as c:
            rows = self._hits(c, user_id, found, chat_id, after, limit + 1)
            shown = [dict(row) for row in rows[:limit]]
            # What history shows of a message, read for the page's hits alone.
            replies = self._originals(c, [row["reply_to"] for row in shown if row["reply_to"]])
            shown = [_with_reply(row, replies) for row in shown]
            uploads, reactions = self._uploads_of(c, shown), self._reactions_of(c, shown)
        return SearchPage(tuple(_hit(row, uploads, reactions) for row in shown),
                          cursor(rows[limit - 1]) if len(rows) > limit else None)


def _with_reply(row, replies: dict) -> dict:
    """The row as MESSAGE_ROWS reads it (projections/inbox_replies.py)."""
    reply = replies.get(row["reply_to"]) if row["reply_to"] else None
    return {**row, "reply_sender": reply and reply.sender, "reply_content": reply and reply.excerpt,
            "reply_deleted": reply and reply.deleted}


def _hit(row, uploads: dict, reactions: dict) -> SearchHit:
    message = replace(_message(row, {}, uploads, reactions), is_read=bool(row["is_read"]))
    excerpt, highlights = excerpt_of(message.content, row["marked"] or "")
    return SearchHit(message.chat_id, row["chat_name"], message, excerpt, highlights)


def excerpt_of(content: str, marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A line of the content around the first word found, and where each word
    found is in it. `marked` is the content (or, on SQLite, the content as
    indexed: "ё" as "е") with each word found between START and STOP; if it is
    not that (PostgreSQL leaves out words over 2,047 characters), no highlights."""
    spans, plain, opened = [], [], None
    for char in marked:
        if char == START:
            opened = len(plain)
        elif char == STOP and opened is not None:
            spans.append((opened, len(plain)))
            opened = None
        else:
            plain.append(char)
    if len(plain) != len(content):
        spans = []
    line = content.replace("\r", " ").replace("\n", " ").replace("\t", " ")  # offsets kept
    if len(line) <= EXCERPT_CHARS:
        return line, tuple(spans)
    start = max(0, spans[0][0] - EXCERPT_LEAD) if spans else 0
    if start:  # from the beginning of a word, if one begins near
        space = line.find(" ", start, spans[0][0])
        start = space + 1 if space >= 0 else start
    end = min(len(line), start + EXCERPT_CHARS)
    lead, tail = ("…" if start else ""), ("…" if end < len(line) else "")
    shift = len(lead) - start
    shown = tuple((max(s, start) + shift, min(e, end) + shift) for s, e in spans
                  if s < end and e > start)
    return lead + line[start:end] + tail, shown
