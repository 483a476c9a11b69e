from projections.inbox_view import InboxView
from projections.sql_view import PostgresView


class PostgresInboxView(PostgresView, InboxView):
    pass
