from projections.inbox_view import InboxView
from projections.sql_view import SQLiteView
from projections.view_schema import RebuiltWhenChanged


class SQLiteInboxView(RebuiltWhenChanged, SQLiteView, InboxView):
    pass
