"""The event store and its read side (the inbox and the audit index), opened
from one database URL."""

import logging
from functools import partial
from pathlib import Path

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from domain.application import Messenger
from messenger.config import Config
from messenger.follower import Follower
from messenger.storage import is_postgres, persistence_env
from messenger.audit import Auditor
from messenger.change_feed import wake_local
from projections.audit import AuditProjection
from projections.audit_view import PostgresAuditView, SQLiteAuditView, stored_event
from projections.inbox import InboxProjection
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
    env["MAX_GROUP_MEMBERS"] = str(config.max_group_members)
    env["MAX_NEW_USERS"] = str(config.max_new_users_per_request)
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
    """Opening it reads and writes; `lead()` also runs the projections, which
    one process per store does (messenger/leadership.py)."""

    def __init__(self, config: Config):
        self.env = store_env(config)
        self.app = Messenger(self.env)
        self.view = open_view(self.env, InboxProjection.name, view_class(config))
        self.audit_view = open_view(self.env, AuditProjection.name, audit_view_class(config))
        self.auditor = Auditor(self.app, self.audit_view)
        self.follower: Follower | None = None
        self.audit: Follower | None = None

    @property
    def change_feed_settings(self) -> dict:
        """How a ChangeFeed of this store is woken (messenger/change_feed.py)."""
        if self.env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
            return {"postgres": self.env}
        return {"local_name": self.env[f"{InboxProjection.name.upper()}_SQLITE_DBNAME"]}

    def lead(self) -> None:
        projection = InboxProjection(self.view)
        feed = self.change_feed_settings.get("local_name")
        if feed:
            projection.on_committed = lambda position: wake_local(feed)
        self.follower = Follower(self.env, projection)
        self.audit = Follower(self.env, AuditProjection(
            self.audit_view, partial(stored_event, self.app.recorder)))

    def stand_down(self) -> None:
        followers, self.follower, self.audit = (self.audit, self.follower), None, None
        for follower in followers:
            if follower is not None:
                follower.close()

    @property
    def view_position(self) -> int:
        return self.view.max_tracking_id(Messenger.name) or 0

    def wait_for_view(self, timeout_s: float) -> None:
        """Blocks until the views include every event stored so far, whichever
        process runs the projections."""
        last = self.app.recorder.max_notification_id()
        if last is not None:
            self.view.wait(Messenger.name, last, timeout=timeout_s)
            self.audit_view.wait(Messenger.name, last, timeout=timeout_s)

    def is_healthy(self) -> bool:
        """The store answers, and if this process runs the inbox projection,
        it is still following."""
        if self.follower is not None and not self.follower.is_following:
            return False
        try:
            self.view.max_tracking_id(Messenger.name)
        except Exception:
            return False
        return True

    def close(self) -> None:
        try:
            self.stand_down()
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
