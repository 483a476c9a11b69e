"""SQLite's search index: an FTS5 table of the messages' text, keyed by
inbox_messages' rowid, written in the transaction that writes the messages:
new ones by one statement per run of messages posted (a trigger would cost
each message a statement journal: 2.5 times as much, measured), edits and
deletions by triggers. unicode61 folds case and Latin diacritics, and "ё" is
indexed as "е"; there is no stemmer, so words are looked for by their stems'
beginnings (projections/search_terms.py). The index keeps its own copy of the
text: a row it lacks can never corrupt it, and highlight() reads it back."""

from projections.inbox_search import InboxSearch
from projections.inbox_view import Post
from projections.search_terms import Term, fts5_query

FOLD = "replace(replace({}, 'ё', 'е'), 'Ё', 'Е')"  # one character for one: offsets are kept
INDEX_RUN = 500  # messages indexed by one statement at most

# SQLite keeps a table's rowids (VACUUM may renumber a table without an
# INTEGER PRIMARY KEY: then rebuild-projections, which makes the index anew).
TABLES = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS inbox_search USING fts5(content,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS inbox_search_gone AFTER DELETE ON inbox_messages"
    " BEGIN DELETE FROM inbox_search WHERE rowid = old.rowid; END",
    "CREATE TRIGGER IF NOT EXISTS inbox_search_changed AFTER UPDATE OF content ON inbox_messages"
    " WHEN old.content IS NOT new.content BEGIN UPDATE inbox_search"
    f" SET content = {FOLD.format('new.content')} WHERE rowid = old.rowid; END",
    # A view made before the index existed: its messages indexed once, here
    # (every message has a row in the index from then on).
    f"INSERT INTO inbox_search (rowid, content) SELECT rowid, {FOLD.format('content')}"
    " FROM inbox_messages WHERE NOT EXISTS (SELECT 1 FROM inbox_search)",
)
TABLE_NAMES = ("inbox_search",)

# Is every member but the sender past the message (and is there one)?
IS_READ = (
    "(EXISTS (SELECT 1 FROM inbox_members o WHERE o.chat_id = m.chat_id AND o.user_id <> m.sender)"
    " AND NOT EXISTS (SELECT 1 FROM inbox_members o WHERE o.chat_id = m.chat_id"
    " AND o.user_id <> m.sender AND o.read_seq < m.seq)) AS is_read"
)


class SQLiteSearch(InboxSearch):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *TABLES]

    def post_messages(self, posts: list[Post]) -> list[list[tuple[str, int]]]:
        """The messages, then the index of them, in one transaction."""
        local = self._local()
        if getattr(local, "cursor", None) is None:
            with self.batch():
                return self.post_messages(posts)
        members = super().post_messages(posts)
        for start in range(0, len(posts), INDEX_RUN):
            ids = {f"m{n}": post.message_id for n, post in enumerate(posts[start:start + INDEX_RUN])}
            self._run(local.cursor, "INSERT INTO inbox_search (rowid, content) SELECT rowid,"
                                    f" {FOLD.format('content')} FROM inbox_messages WHERE"
                                    f" message_id IN ({', '.join(':' + n for n in ids)})", **ids)
        return members

    def _hits(self, c, user_id: str, found: list[Term], chat_id: str | None,
              after: tuple[str, str] | None, limit: int) -> list:
        """Two steps: the page's messages in order, then only theirs
        highlighted (a highlight costs a re-read and a re-tokenizing)."""
        match = fts5_query(found)
        sql = ("SELECT m.rowid AS id FROM inbox_search s JOIN inbox_messages m ON m.rowid = s.rowid"
               " JOIN inbox_members me ON me.chat_id = m.chat_id AND me.user_id = :user"
               " JOIN inbox_chats c ON c.chat_id = m.chat_id AND c.deleted = 0"
               " WHERE inbox_search MATCH :match AND m.deleted = 0")
        if chat_id is not None:
            sql += " AND m.chat_id = :chat"
        if after is not None:
            sql += " AND (m.created_at, m.message_id) < (:at, :message)"
        sql += " ORDER BY m.created_at DESC, m.message_id DESC LIMIT :limit"
        at, message = after or ("", "")
        self._run(c, sql, user=user_id, match=match, chat=chat_id, at=at, message=message,
                  limit=limit)
        order = [row["id"] for row in c.fetchall()]
        if not order:
            return []
        ids = {f"r{n}": rowid for n, rowid in enumerate(order)}
        self._run(c, f"SELECT m.*, m.rowid AS id, c.name AS chat_name, {IS_READ},"
                     " highlight(inbox_search, 0, char(1), char(2)) AS marked"
                     " FROM inbox_search s JOIN inbox_messages m ON m.rowid = s.rowid"
                     " JOIN inbox_chats c ON c.chat_id = m.chat_id WHERE inbox_search MATCH :match"
                     f" AND s.rowid IN ({', '.join(':' + n for n in ids)})", match=match, **ids)
        rows = {row["id"]: row for row in c.fetchall()}
        return [rows[rowid] for rowid in order if rowid in rows]
