from projections import inbox_search_sqlite
from projections.inbox_search_sqlite import SQLiteSearch
from projections.inbox_view import InboxView
from projections.sql_view import SQLiteView
from projections.view_schema import RebuiltWhenChanged


class SQLiteInboxView(RebuiltWhenChanged, SQLiteSearch, SQLiteView, InboxView):
    TABLE_NAMES = (*InboxView.TABLE_NAMES, *inbox_search_sqlite.TABLE_NAMES)
