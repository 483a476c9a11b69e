"""Each view's tracking recorder (projections/sql_view.py adds the view's
tables to the library's) passes eventsourcing's own reusable
TrackingRecorderTestCase, on SQLite and on PostgreSQL."""

from projections.backends import VIEWS
from tests.projections.library_cases import persistence
from tests.projections.own_database import PostgresDatabasePerTest, SQLiteFilePerTest


class ViewCase(persistence.TrackingRecorderTestCase):
    __test__ = False  # a base: only its subclasses run
    view: str  # a name in projections.backends.VIEWS
    postgres = False

    def create_recorder(self):
        view_class = VIEWS[self.view][self.postgres]
        options = {"tracking_table_name": f"{self.view}_tracking"} if self.postgres else {}
        recorder = view_class(self.datastore(), **options)
        recorder.create_table()
        return recorder


class OnSQLite(SQLiteFilePerTest, ViewCase):
    __test__ = False


class OnPostgres(PostgresDatabasePerTest, ViewCase):
    __test__ = False
    postgres = True


class TestSQLiteInboxView(OnSQLite):
    __test__ = True
    view = "inbox"


class TestSQLiteAuditView(OnSQLite):
    __test__ = True
    view = "audit"


class TestSQLitePushView(OnSQLite):
    __test__ = True
    view = "push"


class TestSQLiteTelegramPostsView(OnSQLite):
    __test__ = True
    view = "telegram"


class TestPostgresInboxView(OnPostgres):
    __test__ = True
    view = "inbox"


class TestPostgresAuditView(OnPostgres):
    __test__ = True
    view = "audit"


class TestPostgresPushView(OnPostgres):
    __test__ = True
    view = "push"


class TestPostgresTelegramPostsView(OnPostgres):
    __test__ = True
    view = "telegram"
