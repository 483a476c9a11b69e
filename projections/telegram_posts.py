"""Which Telegram message stands for which chat: written by the poster with
the tracking of the event it comes from, read to route a support reply."""

from eventsourcing.persistence import Tracking

from projections.sql_view import PostgresView, SQLiteView, SQLView


class PostsView(SQLView):
    TABLES = (
        "CREATE TABLE IF NOT EXISTS telegram_posts ("
        " telegram_chat_id TEXT NOT NULL, telegram_message_id BIGINT NOT NULL,"
        " chat_id TEXT NOT NULL, message_id TEXT NOT NULL,"
        " PRIMARY KEY (telegram_chat_id, telegram_message_id))",
        "CREATE UNIQUE INDEX IF NOT EXISTS telegram_posts_by_message ON telegram_posts (message_id)",
    )
    TABLE_NAMES = ("telegram_posts",)

    def record(self, telegram_chat_id: str, telegram_message_id: int, chat_id: str,
               message_id: str, tracking: Tracking) -> None:
        with self._write(tracking) as c:
            self._run(c, "INSERT INTO telegram_posts VALUES (:tg_chat, :tg_message, :chat, :message)"
                         " ON CONFLICT DO NOTHING", tg_chat=telegram_chat_id,
                      tg_message=telegram_message_id, chat=chat_id, message=message_id)

    def is_posted(self, message_id: str) -> bool:
        with self._read() as c:
            self._run(c, "SELECT 1 FROM telegram_posts WHERE message_id = :message",
                      message=message_id)
            return c.fetchone() is not None

    def chat_of(self, telegram_chat_id: str, telegram_message_id: int) -> str | None:
        with self._read() as c:
            self._run(c, "SELECT chat_id FROM telegram_posts WHERE telegram_chat_id = :tg_chat"
                         " AND telegram_message_id = :tg_message",
                      tg_chat=telegram_chat_id, tg_message=telegram_message_id)
            row = c.fetchone()
        return row["chat_id"] if row else None


class SQLitePostsView(SQLiteView, PostsView):
    pass


class PostgresPostsView(PostgresView, PostsView):
    pass
