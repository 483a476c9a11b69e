"""The counts the inbox keeps per member and chat, and how a post moves them:
unread, the unread messages that mention the member, and the member's unread
over every chat in their list (what a badge and `unread_total` show). A post
moves them all in its one member UPDATE; a read or a deletion recounts them
from the messages (projections/inbox_view.py RECOUNT_UNREAD)."""

from typing import NamedTuple


class UnreadCounts(NamedTuple):
    unread: int
    mentions_unread: int
    unread_total: int  # over the chats in the member's list: not deleted, not archived


# A user's unread over the chats in their list (`{user}`: an SQL expression).
UNREAD_TOTAL = (
    "SELECT COALESCE(SUM(o.unread), 0) FROM inbox_members o JOIN inbox_chats oc"
    " ON oc.chat_id = o.chat_id WHERE o.user_id = {user} AND o.unread > 0 AND o.archived = 0"
    " AND oc.deleted = 0"
)


def total_after_post(member: str) -> str:
    """The unread total of the member row `member` as a post leaves it: this
    chat's new count (a message brings it back to the list) and the others'.
    The others are not the rows the statement changes, so what a subquery
    of its RETURNING sees of them is the same on both stores."""
    return (f"CAST({member}.unread + (" + UNREAD_TOTAL.format(user=f"{member}.user_id")
            + f" AND o.chat_id <> {member}.chat_id) AS BIGINT) AS unread_total")


def _mentions_hold(mentions: str, user: str) -> str:
    """SQL: the space-separated `mentions` name `user` (portable: no instr or strpos)."""
    padded = f"(' ' || {mentions} || ' ')"
    return f"replace({padded}, ' ' || {user} || ' ', '') <> {padded}"


RECOUNT_MENTIONS = (
    "mentions_unread = (SELECT COUNT(*) FROM inbox_messages m"
    " WHERE m.chat_id = inbox_members.chat_id AND m.seq > inbox_members.read_seq"
    " AND m.sender <> inbox_members.user_id AND m.deleted = 0 AND m.mentions <> ''"
    " AND " + _mentions_hold("m.mentions", "inbox_members.user_id") + ")"
)

# One more unread for the others and one more mention for those it mentions;
# writing in a chat means having read it up to one's own message; a message
# brings an archived chat back to every member's list. (SQLite; PostgreSQL's
# is in projections/inbox_postgres.py POST_MESSAGE.)
MEMBERS_AFTER_POST = (
    "UPDATE inbox_members SET"
    " unread = CASE WHEN user_id = :sender THEN 0 ELSE unread + 1 END,"
    " mentions_unread = CASE WHEN user_id = :sender THEN 0"
    " WHEN instr(:mentioned, ' ' || user_id || ' ') > 0 THEN mentions_unread + 1"
    " ELSE mentions_unread END,"
    " read_seq = CASE WHEN user_id = :sender THEN :seq ELSE read_seq END, archived = 0"
    " WHERE chat_id = :chat RETURNING user_id, position, unread, mentions_unread, "
    + total_after_post("inbox_members")
)


def mentioned(mentions) -> str:
    """The post's mentions as MEMBERS_AFTER_POST looks them up: each between spaces."""
    return f" {' '.join(mentions)} " if mentions else ""


def members_counted(rows) -> list[tuple[str, UnreadCounts]]:
    """The member rows a post returns, in join order, with their counts."""
    return [(row["user_id"], UnreadCounts(row["unread"], row["mentions_unread"],
                                          int(row["unread_total"])))
            for row in sorted(rows, key=lambda row: row["position"])]
