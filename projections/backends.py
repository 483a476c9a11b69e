"""The one place that picks a view's class for the store in use: each view
has a SQLite and a PostgreSQL class of the same interface."""

from projections.audit_view import PostgresAuditView, SQLiteAuditView
from projections.inbox_postgres import PostgresInboxView
from projections.inbox_sqlite import SQLiteInboxView
from projections.push_deliveries import PostgresPushView, SQLitePushView
from projections.telegram_posts import PostgresPostsView, SQLitePostsView

VIEWS = {  # name: (SQLite class, PostgreSQL class)
    "inbox": (SQLiteInboxView, PostgresInboxView),
    "audit": (SQLiteAuditView, PostgresAuditView),
    "push": (SQLitePushView, PostgresPushView),
    "telegram": (SQLitePostsView, PostgresPostsView),
}


def view_class(name: str, postgres: bool) -> type:
    return VIEWS[name][postgres]
