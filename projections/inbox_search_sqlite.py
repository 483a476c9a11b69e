"""SQLite's search index: an FTS5 table of the messages' text, keyed by
inbox_messages' rowid, written in the transaction that writes the messages:
new ones by one statement per run of messages posted (a trigger would cost
each message a statement journal: 2.5 times as much, measured), edits and
deletions by triggers. unicode61 folds case and Latin diacritics, and "ё" is
indexed as "е"; there is no stemmer, so words are looked for by their stems'
beginnings (projections/search_terms.py). The index keeps its own copy of the
text: a row it lacks can never corrupt it, and highlight() reads it back."""

from uuid import UUID

from projections.inbox_search import InboxSearch
from projections.inbox_view import Post
from projections.search_terms import Term, fts5_query

FOLD = "replace(replace({}, 'ё', 'е'), 'Ё', 'Е')"  # one character for one: offsets are kept
# The chat, as one token of its own column: a search in one chat is FTS5's
# intersection of two lists, not a scan of every match for that chat's.
CHAT_TOKEN = "'c' || replace({}, '-', '')"
INDEX_RUN = 500  # messages indexed by one statement at most

# SQLite keeps a table's rowids (VACUUM may renumber a table without an
# INTEGER PRIMARY KEY: then rebuild-projections, which makes the index anew).
TABLES = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS inbox_search USING fts5(content, chat,"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS inbox_search_gone AFTER DELETE ON inbox_messages"
    " BEGIN DELETE FROM inbox_search WHERE rowid = old.rowid; END",
    "CREATE TRIGGER IF NOT EXISTS inbox_search_changed AFTER UPDATE OF content ON inbox_messages"
    " WHEN old.content IS NOT new.content BEGIN UPDATE inbox_search"
    f" SET content = {FOLD.format('new.content')} WHERE rowid = old.rowid; END",
    # A view made before the index existed: its messages indexed once, here
    # (every message has a row in the index from then on).
    f"INSERT INTO inbox_search (rowid, content, chat) SELECT rowid, {FOLD.format('content')},"
    f" {CHAT_TOKEN.format('chat_id')} FROM inbox_messages WHERE NOT EXISTS"
    " (SELECT 1 FROM inbox_search)",
)
TABLE_NAMES = ("inbox_search",)
INDEX_POSTED = (f"INSERT INTO inbox_search (rowid, content, chat) SELECT rowid,"
                f" {FOLD.format('content')}, {CHAT_TOKEN.format('chat_id')} FROM inbox_messages"
                " WHERE message_id IN")

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
            run = posts[start:start + INDEX_RUN]
            ids = {f"m{n}": post.message_id for n, post in enumerate(run)}
            self._run(local.cursor, f"{INDEX_POSTED} ({', '.join(':' + n for n in ids)})", **ids)
        return members

    def _hits(self, c, user_id: str, found: list[Term], chat_id: str | None,
              after: tuple[str, str, int] | None, limit: int) -> list:
        """Newest first is the index's own order (rowid, descending: the order
        messages were stored in), so the scan stops at the page's last hit,
        and only the rows returned are joined further and highlighted. (Asked
        for in a second statement by rowid, each rowid cost FTS5 the whole
        match again: 20 times slower.)"""
        sql = (f"SELECT m.*, s.rowid AS place, c.name AS chat_name, {IS_READ},"
               " highlight(inbox_search, 0, char(1), char(2)) AS marked"
               " FROM inbox_search s JOIN inbox_messages m ON m.rowid = s.rowid"
               " JOIN inbox_chats c ON c.chat_id = m.chat_id"
               " WHERE inbox_search MATCH :match AND m.chat_id IN (SELECT chat_id FROM"
               " inbox_members WHERE user_id = :user) AND m.deleted = 0")
        match = "content : (" + fts5_query(found) + ")"
        if chat_id is not None:
            sql += " AND m.chat_id = :chat"
            match += f' AND chat : "c{UUID(chat_id).hex}"'  # hex digits, whatever was asked
        if after is not None:
            sql += " AND s.rowid < :place"
        self._run(c, sql + " ORDER BY s.rowid DESC LIMIT :limit", match=match, user=user_id,
                  chat=chat_id, place=after[2] if after else 0, limit=limit)
        return c.fetchall()
