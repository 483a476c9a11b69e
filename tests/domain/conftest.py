"""A real Messenger per test, on a SQLite file of its own."""

import pytest

from domain.application import Messenger
from messenger.store.settings import persistence_env


@pytest.fixture
def open_messenger(tmp_path):
    """Opens Messengers on one SQLite file, as the server processes of one
    store share it, with settings of the store's env; all closed after the test."""
    opened = []

    def open_one(**settings: str) -> Messenger:
        app = Messenger({**persistence_env(f"sqlite:///{tmp_path}/messenger.db"), **settings})
        opened.append(app)
        return app

    yield open_one
    for app in opened:
        app.close()


@pytest.fixture
def app(open_messenger):
    app = open_messenger()
    for user, name in (("anna", "Анна"), ("boris", "Борис"), ("vera", "Вера")):
        app.register_user(user, name)
    return app
