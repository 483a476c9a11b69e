"""What every view of ours shares: SQL written once with :name placeholders,
rows and the tracking record committed in one transaction, and one base class
per backend that adds the view's tables to the library's tracking recorder."""

import re
import threading
from contextlib import contextmanager, nullcontext
from functools import lru_cache

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from projections.failures import FAILURES_TABLE


def storable(params: dict) -> dict:
    """The edge refuses NUL, but events stored before it did may hold one, and
    PostgreSQL text cannot: shown as U+FFFD on both stores, so that a view is
    total over every event and the two stores agree."""
    for name, value in params.items():
        if isinstance(value, str) and "\x00" in value:
            params[name] = value.replace("\x00", "\ufffd")
    return params


class SQLView:
    APPLICATION = "Messenger"
    TABLES: tuple[str, ...] = ()  # CREATE statements
    TABLE_NAMES: tuple[str, ...] = ()
    TRACKING_TABLE = "tracking"

    @staticmethod
    def placeholders(sql: str) -> str:
        return sql

    def _run(self, c, sql: str, **params) -> None:
        c.execute(self.placeholders(sql), storable(params))

    def _write(self, tracking: Tracking):
        local = self._local()
        if getattr(local, "cursor", None) is not None:
            # Inside batch(): one transaction for many events, and one
            # tracking record for all of them, written when the batch ends.
            local.tracking = tracking
            return nullcontext(local.cursor)
        return _WriteTransaction(self, tracking)

    @contextmanager
    def batch(self, cursor=None):
        """Every write made in this thread inside it shares one transaction
        (the cursor's, if given: the one storing the events): a batch of
        events costs one commit, and is stored whole or not at all."""
        if cursor is None:
            with self.datastore.transaction(commit=True) as cursor, self.batch(cursor):
                yield cursor
            return
        local = self._local()
        local.cursor, local.tracking = cursor, None
        try:
            yield cursor
            if local.tracking is not None:
                self._insert_tracking(cursor, local.tracking)
        finally:
            local.cursor = local.tracking = None

    def _local(self) -> threading.local:
        try:
            return self.__dict__["_batch_local"]
        except KeyError:
            return self.__dict__.setdefault("_batch_local", threading.local())

    def _read(self):
        return self.datastore.transaction(commit=False)

    def _read_here(self):
        """Inside batch(), its cursor (which sees what the batch wrote); else a read."""
        cursor = getattr(self._local(), "cursor", None)
        return nullcontext(cursor) if cursor is not None else self._read()

    def skip(self, tracking: Tracking) -> None:
        with self._write(tracking):
            pass

    def drop_tables(self) -> None:
        """For a rebuild: forget the view and where it was."""
        with self.datastore.transaction(commit=True) as c:
            self._drop_tables(c)

    def _drop_tables(self, c) -> None:
        for table in self.TABLE_NAMES:
            c.execute(f"DROP TABLE IF EXISTS {table}")
        self._run(c, f"DELETE FROM {self.TRACKING_TABLE} WHERE application_name = :app",
                  app=self.APPLICATION)


class _WriteTransaction:
    """Rows and the tracking record committed together, or neither."""

    def __init__(self, view: SQLView, tracking: Tracking):
        self._view = view
        self._tracking = tracking

    def __enter__(self):
        self._context = self._view.datastore.transaction(commit=True)
        cursor = self._context.__enter__()
        self._view._insert_tracking(cursor, self._tracking)
        return cursor

    def __exit__(self, *exc_info):
        return self._context.__exit__(*exc_info)


class SQLiteView(SQLiteTrackingRecorder):
    TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"

    def lock_alone(self, c, key: int) -> None:
        """One process per SQLite store: nothing to hold off."""

    def schema_statements(self) -> list[str]:
        return self.construct_create_table_statements()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.TABLES, FAILURES_TABLE]


class PostgresView(PostgresTrackingRecorder):
    TABLE_EXISTS = ("SELECT 1 FROM pg_tables WHERE tablename = :name"
                    " AND schemaname = current_schema()")

    def lock_alone(self, c, key: int) -> None:
        """Until the transaction of `c` ends, no other takes advisory lock `key`."""
        self._run(c, "SELECT pg_advisory_xact_lock(:key)", key=key)

    def schema_statements(self) -> list[str]:
        return [statement.as_string(None) for statement in self.sql_create_statements]

    def __init__(self, datastore, **kwargs):
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.extend(
            SQL(statement) for statement in (*self.TABLES, FAILURES_TABLE))
        self.TRACKING_TABLE = self.tracking_table_name

    def _read(self):
        # The library's connections are in autocommit: each read statement sees
        # what is committed, as it would inside a READ COMMITTED transaction,
        # without the BEGIN and ROLLBACK round trips (two of a chat list's four).
        return self.datastore.cursor()

    @staticmethod
    @lru_cache(maxsize=512)
    def placeholders(sql: str) -> str:
        return re.sub(r":(\w+)", r"%(\1)s", sql)
