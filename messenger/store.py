"""The event store and the inbox view, opened from one database URL."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.projection import ProjectionRunner
from eventsourcing.utils import Environment

from domain.application import Messenger
from messenger.config import Config
from messenger.storage import is_postgres, persistence_env
from projections.inbox import Change, InboxProjection
from projections.inbox_postgres import PostgresInboxView
from projections.inbox_sqlite import SQLiteInboxView

log = logging.getLogger(__name__)


def store_env(config: Config) -> dict[str, str]:
    env = persistence_env(config.database_url)
    env["SUPPORT_USER_ID"] = config.support_user_id
    env["SUPPORT_CHAT_NAME"] = config.support_chat_name
    env["BOOKINGS_SENDER_ID"] = config.bookings_sender_id
    env["BOT_BOOKINGS_CHAT_NAME"] = config.bot_bookings_chat_name
    env["ONLINE_BOOKINGS_CHAT_NAME"] = config.online_bookings_chat_name
    if not is_postgres(config.database_url):
        # The view gets a file of its own beside the events: its tracking
        # table is then its own, and rebuilding it never touches the events.
        events = Path(env["SQLITE_DBNAME"])
        env[f"{InboxProjection.name.upper()}_SQLITE_DBNAME"] = str(
            events.with_name(events.stem + ".inbox" + events.suffix))
    return env


def view_class(config: Config) -> type:
    return PostgresInboxView if is_postgres(config.database_url) else SQLiteInboxView


class Store:
    def __init__(self, config: Config, on_change: Callable[[Change], None] = lambda change: None):
        env = store_env(config)
        self.app = Messenger(env)
        self.runner = ProjectionRunner(
            application_class=Messenger,
            projection_class=InboxProjection,
            view_class=view_class(config),
            env=env,
        )
        self.runner.projection.on_change = on_change
        self.runner.__enter__()
        self.view = self.runner.view
        self._watcher = threading.Thread(target=self._watch_projection, daemon=True)
        self._watcher.start()

    @property
    def view_position(self) -> int:
        return self.view.max_tracking_id(Messenger.name) or 0

    def wait_for_view(self, timeout_s: float) -> None:
        """Blocks until the view includes every event stored so far."""
        self.runner.wait(self.app.recorder.max_notification_id(), timeout=timeout_s)

    def is_reachable(self) -> bool:
        try:
            self.view.max_tracking_id(Messenger.name)
        except Exception:
            return False
        return True

    def close(self) -> None:
        try:
            self.runner.__exit__(None, None, None)
        finally:
            self.app.close()

    def _watch_projection(self) -> None:
        try:
            self.runner.run_forever()
        except Exception:
            log.exception("the inbox projection stopped")


def drop_view(config: Config) -> None:
    """Forgets the inbox view, so the next Store rebuilds it from the events."""
    env = Environment(InboxProjection.name, store_env(config))
    factory = InfrastructureFactory.construct(env)
    try:
        factory.tracking_recorder(view_class(config)).drop_tables()
    finally:
        factory.close()
