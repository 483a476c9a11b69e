"""PostgreSQL's search index: a GIN index of the messages' text as the
`russian` configuration reads it (Snowball stems, stop words left out), an
expression index: no column is added, and PostgreSQL keeps it in the
transaction that writes each message. Made on an existing view on first
start (CREATE INDEX holds writes off while it reads the table once)."""

from psycopg.sql import SQL

from projections.inbox_search import START, STOP, InboxSearch
from projections.search_terms import Term, tsquery

DOCUMENT = "to_tsvector('russian', m.content)"
TABLES = (
    "CREATE INDEX IF NOT EXISTS inbox_messages_search ON inbox_messages"
    " USING gin (to_tsvector('russian', content))",
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
              after: tuple[str, str] | None, limit: int) -> list:
        """One statement: the page's messages in order, and only theirs
        highlighted (ts_headline parses the text again)."""
        page = ("SELECT m.*, c.name AS chat_name FROM inbox_messages m"
                " JOIN inbox_members me ON me.chat_id = m.chat_id AND me.user_id = :user"
                " JOIN inbox_chats c ON c.chat_id = m.chat_id AND c.deleted = 0"
                f" WHERE {DOCUMENT} @@ CAST(:query AS tsquery) AND m.deleted = 0")
        if chat_id is not None:
            page += " AND m.chat_id = :chat"
        if after is not None:
            page += " AND (m.created_at, m.message_id) < (:at, :message)"
        page += " ORDER BY m.created_at DESC, m.message_id DESC LIMIT :limit"
        at, message = after or ("", "")
        self._run(c, f"SELECT m.*, {IS_READ}, ts_headline('russian', m.content,"
                     f" CAST(:query AS tsquery), :headline) AS marked FROM ({page}) m"
                     " ORDER BY m.created_at DESC, m.message_id DESC",
                  user=user_id, query=tsquery(found), chat=chat_id, at=at, message=message,
                  limit=limit, headline=HEADLINE)
        return c.fetchall()
