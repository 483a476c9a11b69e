"""The event store and its read side (the inbox and the audit index), opened
from one database URL."""

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from domain.application import Messenger
from messenger.config import Config
from messenger.follower import Follower
from messenger.storage import is_postgres, persistence_env
from messenger.audit import Auditor
from projections.audit import AuditProjection
from projections.audit_view import PostgresAuditView, SQLiteAuditView, stored_event
from projections.inbox import Change, InboxProjection
from projections.inbox_postgres import PostgresInboxView
from projections.inbox_sqlite import SQLiteInboxView

log = logging.getLogger(__name__)

# Names of the projections that follow the events, each with its own tracking.
FOLLOWERS = ("Inbox", "Audit", "TelegramPoster", "PushSender")


def store_env(config: Config) -> dict[str, str]:
    env = persistence_env(config.database_url)
    env["SUPPORT_USER_ID"] = config.support_user_id
    env["SUPPORT_CHAT_NAME"] = config.support_chat_name
    env["BOOKINGS_SENDER_ID"] = config.bookings_sender_id
    env["BOT_BOOKINGS_CHAT_NAME"] = config.bot_bookings_chat_name
    env["ONLINE_BOOKINGS_CHAT_NAME"] = config.online_bookings_chat_name
    if not is_postgres(config.database_url):
        # Each follower of the events gets a file of its own beside them: its
        # tracking table is then its own, and rebuilding it never touches the events.
        events = Path(env["SQLITE_DBNAME"])
        for follower in FOLLOWERS:
            env[f"{follower.upper()}_SQLITE_DBNAME"] = str(
                events.with_name(f"{events.stem}.{follower.lower()}{events.suffix}"))
    return env


def view_class(config: Config) -> type:
    return PostgresInboxView if is_postgres(config.database_url) else SQLiteInboxView


def audit_view_class(config: Config) -> type:
    return PostgresAuditView if is_postgres(config.database_url) else SQLiteAuditView


def open_view(env: dict[str, str], name: str, recorder_class: type):
    """A view's tracking recorder, in the database the store's settings name
    (for SQLite, the projection's own file)."""
    factory = InfrastructureFactory.construct(Environment(name, env))
    return factory.tracking_recorder(recorder_class)


class Store:
    def __init__(self, config: Config, on_change: Callable[[Change], None] = lambda change: None):
        self.env = store_env(config)
        self.app = Messenger(self.env)
        self.view = open_view(self.env, InboxProjection.name, view_class(config))
        projection = InboxProjection(self.view)
        projection.on_change = on_change
        self.follower = Follower(self.env, projection)
        self.audit_view = open_view(self.env, AuditProjection.name, audit_view_class(config))
        self.audit = Follower(self.env, AuditProjection(
            self.audit_view, partial(stored_event, self.app.recorder)))
        self.auditor = Auditor(self.app, self.audit_view)

    @property
    def view_position(self) -> int:
        return self.view.max_tracking_id(Messenger.name) or 0

    def wait_for_view(self, timeout_s: float) -> None:
        """Blocks until the views include every event stored so far."""
        last = self.app.recorder.max_notification_id()
        self.follower.wait(last, timeout_s)
        self.audit.wait(last, timeout_s)

    def is_healthy(self) -> bool:
        """The store answers and the inbox projection is still following it."""
        if not self.follower.is_following:
            return False
        try:
            self.view.max_tracking_id(Messenger.name)
        except Exception:
            return False
        return True

    def close(self) -> None:
        try:
            self.audit.close()
            self.follower.close()
        finally:
            self.view.datastore.close()
            self.audit_view.datastore.close()
            self.app.close()


def drop_view(config: Config) -> None:
    """Forgets the inbox view, so the next Store rebuilds it from the events."""
    view = open_view(store_env(config), InboxProjection.name, view_class(config))
    try:
        view.drop_tables()
    finally:
        view.datastore.close()
