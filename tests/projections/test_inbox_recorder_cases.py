"""The recorders that store the events and write the inbox view in the same
transaction (messenger/store/inbox_recorders.py) keep the library's contract
for an application recorder: eventsourcing's ApplicationRecorderTestCase, on
SQLite and on PostgreSQL. Its two benchmarks are left out: they print
timings and check nothing."""

import unittest

from messenger.store.inbox_recorders import PostgresInboxRecorder, SQLiteInboxRecorder
from tests.projections.library_cases import persistence
from tests.projections.own_database import PostgresDatabasePerTest, SQLiteFilePerTest

BENCHMARK = unittest.skip("a benchmark: it prints timings and checks nothing")


class InboxRecorderCase(persistence.ApplicationRecorderTestCase):
    __test__ = False  # a base: only its subclasses run

    @BENCHMARK
    def test_performance(self) -> None: ...

    @BENCHMARK
    def test_concurrent_throughput(self) -> None: ...


class TestSQLiteInboxRecorder(SQLiteFilePerTest, InboxRecorderCase):
    __test__ = True

    def create_recorder(self) -> SQLiteInboxRecorder:
        recorder = SQLiteInboxRecorder(self.datastore(pool_size=20))
        recorder.create_table()
        return recorder


class TestPostgresInboxRecorder(PostgresDatabasePerTest, InboxRecorderCase):
    __test__ = True

    def create_recorder(self) -> PostgresInboxRecorder:
        datastore = self.datastore(pool_size=4, max_overflow=12)
        recorder = PostgresInboxRecorder(datastore, events_table_name="messenger_events")
        recorder.create_table()
        return recorder
