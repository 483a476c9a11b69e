"""`run.py rebuild-projections`: drops the inbox view and rebuilds it from the
event store, with a progress line on a terminal. It refuses while a server
runs on the same database: the servers write the view with every event, and a
rebuild beside them would run a second audit follower next to the leader's."""

import sys
import time

from domain.application import Messenger
from messenger.config import Config
from messenger.progress import Progress
from messenger.store import leadership
from messenger.store.store import Store, drop_view, store_env

REBUILD_TIMEOUT_S = 3600
POLL_S = 0.25


def rebuild_command(config: Config) -> int:
    env = store_env(config)
    try:
        with leadership.held_alone(**leadership.lock_settings(env)):
            position = _rebuild(config, env)
    except leadership.LeaderRunningError:
        print("rebuild-projections: a server is running on this database (it holds the "
              "leader lock); stop every server, then run it again", file=sys.stderr)
        return 1
    print(f"rebuilt the inbox view up to event {position}")
    return 0


def _rebuild(config: Config, env: dict[str, str]) -> int:
    drop_view(config)
    app = Messenger(env)  # makes the view's tables afresh
    try:
        last = app.recorder.max_notification_id() or 0
        with Progress("rebuilding the inbox", last) as progress:
            app.recorder.catch_up_inbox(app.mapper.to_domain_event, on_page=progress.update)
    finally:
        app.close()
    store = Store(config)  # finds the view up to date
    try:
        store.lead()
        _wait_for_audit_index(store)
        return store.view_position
    finally:
        store.close()


def _wait_for_audit_index(store: Store) -> None:
    """The audit index is never rebuilt, only brought up to the last event."""
    last = store.app.recorder.max_notification_id()
    if last is None:
        return
    position = store.audit_view.max_tracking_id(Messenger.name) or 0
    deadline = time.monotonic() + REBUILD_TIMEOUT_S
    with Progress("catching up the audit index", last, start=position) as progress:
        while True:
            try:
                store.audit_view.wait(Messenger.name, last, timeout=POLL_S)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise
                progress.update(store.audit_view.max_tracking_id(Messenger.name) or 0)
