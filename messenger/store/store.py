"""The event store and its read side (the inbox and the audit index), opened
from one database URL."""

import logging
from functools import partial
from pathlib import Path

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from domain.application import Messenger
from messenger.audit.auditor import Auditor
from messenger.config import Config
from messenger.followers.follower import Follower
from messenger.store.settings import is_postgres, persistence_env
from projections.audit import AuditProjection
from projections import backends
from projections.audit_view import stored_event

log = logging.getLogger(__name__)

# Names of the projections that follow the events, each with its own tracking
# (the inbox does not follow: it is written with the events).
FOLLOWERS = ("Audit", "TelegramPoster", "PushSender")


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


def view_class(config: Config, name: str) -> type:
    """The class of view `name` (projections.backends.VIEWS) for this store."""
    return backends.view_class(name, is_postgres(config.database_url))


def open_view(env: dict[str, str], name: str, recorder_class: type):
    """A view's tracking recorder, in the database the store's settings name
    (for SQLite, the projection's own file)."""
    factory = InfrastructureFactory.construct(Environment(name, env))
    return factory.tracking_recorder(recorder_class)


class Store:
    """Opening it reads and writes, the inbox view with the events (and first
    brings the view up to date, if events were stored without it); `lead()`
    also runs the audit index, which one process per store does
    (messenger/store/leadership.py)."""

    def __init__(self, config: Config):
        self.env = store_env(config)
        self.app = Messenger(self.env)
        self.view = self.app.recorder.inbox.view
        caught_up = self.app.recorder.catch_up_inbox(self.app.mapper.to_domain_event)
        if caught_up:
            log.info("the inbox view took in %d events stored without it", caught_up)
        self.audit_view = open_view(self.env, AuditProjection.name, view_class(config, "audit"))
        self.auditor = Auditor(self.app, self.audit_view)
        self.audit: Follower | None = None

    @property
    def change_feed_settings(self) -> dict:
        """How a ChangeFeed of this store is woken (messenger/live/change_feed.py)."""
        if self.env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
            return {"postgres": self.env}
        return {"local_name": self.env["SQLITE_DBNAME"]}

    def lead(self) -> None:
        self.audit = Follower(self.env, AuditProjection(
            self.audit_view, partial(stored_event, self.app.recorder)))

    def stand_down(self) -> None:
        audit, self.audit = self.audit, None
        if audit is not None:
            audit.close()

    @property
    def view_position(self) -> int:
        return self.view.max_tracking_id(Messenger.name) or 0

    def wait_for_view(self, timeout_s: float) -> None:
        """Blocks until the audit index includes every event stored so far,
        whichever process runs it (the inbox always does)."""
        last = self.app.recorder.max_notification_id()
        if last is not None:
            self.audit_view.wait(Messenger.name, last, timeout=timeout_s)

    def is_healthy(self) -> bool:
        """The store answers."""
        try:
            self.view.max_tracking_id(Messenger.name)
        except Exception:
            return False
        return True

    def close(self) -> None:
        try:
            self.stand_down()
        finally:
            self.audit_view.datastore.close()
            self.app.close()


def drop_view(config: Config) -> None:
    """Forgets the inbox view, so the next Store rebuilds it from the events."""
    app = Messenger(store_env(config))
    try:
        app.recorder.inbox.view.drop_tables()
    finally:
        app.close()
