"""The real Messenger on each store (the `database_url` fixture of
tests/conftest.py: a SQLite file, or a fresh PostgreSQL database), and its
inbox view, written in the transaction that stores the events."""

import pytest

from domain.application import Messenger
from messenger.store.settings import persistence_env


@pytest.fixture
def app(database_url):
    app = Messenger(persistence_env(database_url))
    for user, name in (("anna", "Анна"), ("boris", "Борис"), ("vera", "Вера")):
        app.register_user(user, name)
    yield app
    app.close()


@pytest.fixture
def view(app):
    return app.recorder.inbox.view
