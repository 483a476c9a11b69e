"""For eventsourcing's unittest cases, which take no pytest fixtures: a store
of their own per test, a SQLite file or a PostgreSQL database made and dropped
as tests/conftest.py makes them, with every datastore opened on it closed."""

import tempfile
import threading
import uuid
from pathlib import Path

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore

from messenger.store.settings import persistence_env
from tests.support.harness import POSTGRES_ADMIN_URL


class _StorePerTest:
    def setUp(self) -> None:
        super().setUp()
        self._threads = set(threading.enumerate())
        self._datastores: list = []

    def tearDown(self) -> None:
        # The library's concurrency case returns with its reader threads (not
        # daemons, unlike the pools' own) still on their last query, and a
        # connection closed under one crashes SQLite: they end first.
        for thread in set(threading.enumerate()) - self._threads:
            if not thread.daemon:
                thread.join()
        for datastore in self._datastores:
            datastore.close()
        super().tearDown()


class SQLiteFilePerTest(_StorePerTest):
    def setUp(self) -> None:
        super().setUp()
        self._folder = tempfile.TemporaryDirectory()

    def tearDown(self) -> None:
        super().tearDown()
        self._folder.cleanup()

    def datastore(self, **options) -> SQLiteDatastore:
        datastore = SQLiteDatastore(str(Path(self._folder.name) / "store.db"), **options)
        self._datastores.append(datastore)
        return datastore


class PostgresDatabasePerTest(_StorePerTest):
    def setUp(self) -> None:
        super().setUp()
        self._database = "messenger_test_" + uuid.uuid4().hex[:12]
        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self._database}"')

    def tearDown(self) -> None:
        super().tearDown()
        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self._database}" WITH (FORCE)')

    def datastore(self, **options) -> PostgresDatastore:
        env = persistence_env(f"{POSTGRES_ADMIN_URL}/{self._database}")
        datastore = PostgresDatastore(env["POSTGRES_DBNAME"], env["POSTGRES_HOST"],
                                      env["POSTGRES_PORT"], env["POSTGRES_USER"],
                                      env["POSTGRES_PASSWORD"], **options)
        self._datastores.append(datastore)
        return datastore
