"""The fixtures: a real server per store (SQLite, PostgreSQL), stand-ins for
Telegram and FCM, run.py's environment."""

import uuid

import psycopg
import pytest

from messenger.config import Config
from tests.support.harness import POSTGRES_ADMIN_URL, SECRET, SERVICE_TOKEN, Harness, running
from tests.support.push_standins import FcmStandIn
from tests.support.telegram_standin import BOT_TOKEN, SUPPORT_CHAT_ID, StandIn


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/messenger.db"
        return
    name = "messenger_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_ADMIN_URL}/{name}"
    with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def config(database_url, tmp_path):
    return Config(source="tests", host="127.0.0.1", port=0, database_url=database_url,
                  jwt_secret=SECRET, service_token=SERVICE_TOKEN, database_threads=4,
                  uploads_directory=str(tmp_path / "uploads"))


@pytest.fixture
def harness(io_loop, config):
    harness = Harness(config)
    io_loop.run_sync(harness.start)
    yield harness
    io_loop.run_sync(harness.stop)


@pytest.fixture
def telegram(io_loop):
    yield from running(io_loop, StandIn())


@pytest.fixture
def fcm(io_loop, tmp_path):
    standin = FcmStandIn()
    io_loop.run_sync(lambda: standin.start(tmp_path))
    yield standin
    io_loop.run_sync(standin.stop)


@pytest.fixture
def env(database_url, telegram, fcm):
    """run.py's environment, with the Telegram and FCM stand-ins configured."""
    from tests.support.processes import environment
    return environment(database_url, SECRET, MESSENGER_TELEGRAM_BOT_TOKEN=BOT_TOKEN,
                       MESSENGER_TELEGRAM_SUPPORT_CHAT_ID=SUPPORT_CHAT_ID,
                       MESSENGER_TELEGRAM_API_URL=telegram.url,
                       MESSENGER_FCM_SERVICE_ACCOUNT_FILE=str(fcm.service_account_file),
                       MESSENGER_FCM_URL=fcm.url)
