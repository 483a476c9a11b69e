"""PostgreSQL's search index: a GIN index of the messages' text as the
`russian` configuration reads it (Snowball stems, stop words left out), an
expression index: no column is added, and PostgreSQL keeps it in the
transaction that writes each message. Made on an existing view on first
start (CREATE INDEX holds writes off while it reads the table once)."""

from psycopg.sql import SQL

from projections.inbox_search import START, STOP, InboxSearch
from projections.search_terms import Term, tsquery

DOCUMENT = "to_tsvector('russian', m.content)"
# New entries wait in the index's pending list until it holds this many
# kB, and every search reads that list whole: PostgreSQL's 4 MB made a
# search after a busy spell read some 30,000 messages' entries.
PENDING_KB = 256
TABLES = (
    "CREATE INDEX IF NOT EXISTS inbox_messages_search ON inbox_messages"
    f" USING gin (to_tsvector('russian', content)) WITH (gin_pending_list_limit = {PENDING_KB})",
)
HEADLINE = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"

# Is every member but the sender past the message (and is there one)?
IS_READ = (
    "(EXISTS (SELECT 1 FROM inbox_members o WHERE o.chat_id = m.chat_id AND o.user_id <> m.sender)"
    " AND NOT EXISTS (SELECT 1 FROM inbox_members o WHERE o.chat_id = m.chat_id"
    " AND o.user_id <> m.sender AND o.read_seq < m.seq)) AS is_read"
)


class PostgresSearch(InboxSearch):
    def __init__(self, datastore, **kwargs):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(statement) for statement in TABLES)

    def _hits(self, c, user_id: str, found: list[Term], chat_id: str | None,
              after: tuple[str, str, int] | None, limit: int) -> list:
        """One statement. The user's chats are an array made before the scan
        (an InitPlan, the same shape with a chat_id or without), so the plan
        ANDs two bitmaps, the words' from the GIN index and the chats' from
        the primary key, and reads only the rows in both; joined to the
        members instead, the planner reads a chat's every row and parses its
        text again (measured: p50 90 ms against 6 ms in 100,000 messages).
        Only the page's messages are highlighted (ts_headline parses again)."""
        chats = "SELECT chat_id FROM inbox_members WHERE user_id = :user"
        if chat_id is not None:
            chats += " AND chat_id = :chat"
        page = ("SELECT m.*, 0 AS place FROM inbox_messages m"
                f" WHERE m.chat_id = ANY(ARRAY({chats})) AND {DOCUMENT} @@ CAST(:query AS tsquery)"
                " AND m.deleted = 0")
        if after is not None:
            page += " AND (m.created_at, m.message_id) < (:at, :message)"
        page += " ORDER BY m.created_at DESC, m.message_id DESC LIMIT :limit"
        at, message, _ = after or ("", "", 0)
        self._run(c, f"SELECT m.*, c.name AS chat_name, {IS_READ}, ts_headline('russian',"
                     " m.content, CAST(:query AS tsquery), :headline) AS marked"
                     f" FROM ({page}) m JOIN inbox_chats c ON c.chat_id = m.chat_id"
                     " ORDER BY m.created_at DESC, m.message_id DESC",
                  user=user_id, query=tsquery(found), chat=chat_id, at=at, message=message,
                  limit=limit, headline=HEADLINE)
        return c.fetchall()
