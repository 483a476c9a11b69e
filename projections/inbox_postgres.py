from projections.inbox_search_postgres import PostgresSearch
from projections.inbox_counts import UnreadCounts, members_counted, mentioned, total_after_post
from projections.inbox_view import InboxView, Post
from projections.sql_view import PostgresView, storable
from projections.view_schema import RebuiltWhenChanged

# The event recorder NOTIFYs this channel in every inserting transaction, and
# the inbox is written in that transaction: a listener woken by it finds the
# changes committed (messenger/live/change_feed.py).
CHANNEL = "messenger_events"

# InboxView.post_message in one statement: the chat's next seq, the message,
# and the members' counts (projections/inbox_counts.py MEMBERS_AFTER_POST) and
# read positions, returning the members with their counts.
POST_MESSAGE = (
    "WITH chat AS (UPDATE inbox_chats SET last_seq = last_seq + 1,"
    " last_message = %(content)s, updated_at = %(at)s, activity = %(activity)s"
    " WHERE chat_id = %(chat)s AND deleted = 0 RETURNING last_seq),"
    " message AS (INSERT INTO inbox_messages (chat_id, seq, message_id, sender, content,"
    " created_at, updated_at, attachments, reply_to, mentions) SELECT %(chat)s, last_seq,"
    " %(message)s, %(sender)s, %(content)s, %(at)s, %(at)s, %(attachments)s, %(reply_to)s,"
    " %(mentions)s FROM chat)"
    " UPDATE inbox_members m SET"
    " unread = CASE WHEN m.user_id = %(sender)s THEN 0 ELSE m.unread + 1 END,"
    " mentions_unread = CASE WHEN m.user_id = %(sender)s THEN 0"
    " WHEN strpos(%(mentioned)s, ' ' || m.user_id || ' ') > 0 THEN m.mentions_unread + 1"
    " ELSE m.mentions_unread END,"
    " read_seq = CASE WHEN m.user_id = %(sender)s THEN chat.last_seq ELSE m.read_seq END,"
    " archived = 0"
    " FROM chat WHERE m.chat_id = %(chat)s RETURNING m.user_id, m.position, m.unread,"
    " m.mentions_unread, " + total_after_post("m")
)


class PostgresInboxView(RebuiltWhenChanged, PostgresSearch, PostgresView, InboxView):
    def post_messages(self, posts: list[Post]) -> list[list[tuple[str, UnreadCounts]]]:
        """One statement per message, all sent before any answer is read:
        a batch of messages costs one round trip, not three per message."""
        with self._write(posts[-1].tracking) as c:
            # Pipelined, a cursor each (each result waits on its own cursor):
            # every statement is sent before the first answer is read.
            with c.connection.pipeline():
                cursors = [self._post(c, post) for post in posts]
                members = [members_counted(cursor.fetchall()) for cursor in cursors]
            for cursor in cursors:
                cursor.close()
            for post in posts:
                for upload_id in post.attachments:
                    self._run(c, "INSERT INTO inbox_attachments VALUES (:upload, :message, :chat)"
                                 " ON CONFLICT DO NOTHING", upload=upload_id,
                              message=post.message_id, chat=post.chat_id)
            return members

    @staticmethod
    def _post(c, post: Post):
        cursor = c.connection.cursor(row_factory=c.row_factory)
        cursor.execute(POST_MESSAGE, storable(
            {"chat": post.chat_id, "message": post.message_id, "sender": post.sender,
             "content": post.content, "at": post.at, "activity": post.tracking.notification_id,
             "attachments": " ".join(post.attachments), "reply_to": post.reply_to,
             "mentions": " ".join(post.mentions), "mentioned": mentioned(post.mentions)}))
        return cursor
