from projections.inbox_view import InboxView
from projections.sql_view import PostgresView

# The event recorder NOTIFYs this channel in every inserting transaction, and
# the inbox is written in that transaction: a listener woken by it finds the
# changes committed (messenger/change_feed.py).
CHANNEL = "messenger_events"


class PostgresInboxView(PostgresView, InboxView):
    pass
