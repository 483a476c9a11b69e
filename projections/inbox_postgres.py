from functools import lru_cache

from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL

from projections.inbox_view import TABLES, InboxView, named_to_pyformat


class PostgresInboxView(InboxView, PostgresTrackingRecorder):
    def __init__(self, datastore, **kwargs):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(SQL(statement) for statement in TABLES)
        self.TRACKING_TABLE = self.tracking_table_name

    @staticmethod
    @lru_cache(maxsize=256)
    def placeholders(sql: str) -> str:
        return named_to_pyformat(sql)
