from projections.inbox_view import InboxView
from projections.sql_view import SQLiteView


class SQLiteInboxView(SQLiteView, InboxView):
    pass
