"""The store opened in the bench's own process, as the server opens it."""

import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from common import CONFIG, progress, server_env

STALL_S = 30.0  # views behind and not moving this long: something is broken
REGISTER_BATCH = 500  # users to a transaction when registering many


class Local:
    """The store opened in this process, as the server opens it (without
    running the projections): to register users, fill history, build a user
    with many chats, wait for the server's views and time chat_list."""

    def __init__(self, database_url: str, secret: str):
        from messenger import collector, config as settings
        from messenger.store.store import Store
        self.config = settings.load(CONFIG, server_env(database_url, secret, {}))
        self.store = Store(self.config)
        self.app = self.store.app
        collector.settle()  # as the server does once started
        self.pool = ThreadPoolExecutor(8, "bench-store")  # concurrent saves share commits

    def register(self, users: list[str]) -> None:
        for _ in self.pool.map(self.app.register_user, users):
            pass

    def register_new(self, users: list[str]) -> None:
        """Registers users nobody registered yet (this run's names) as
        register_user does for a new user (the User and its support chat),
        REGISTER_BATCH users to a transaction: 10,000 in seconds."""
        app = self.app
        for start in range(0, len(users), REGISTER_BATCH):
            app.save(*[aggregate for user in users[start:start + REGISTER_BATCH]
                       for aggregate in app._new_user(user, "")])

    def direct_chat(self, one: str, other: str, name: str) -> UUID:
        return self.app.create_chat(one, [other], name).id

    def caught_up(self, timeout_s: float) -> float:
        """Waits until the inbox and the audit index include every event stored
        so far (whichever server process runs them); returns the seconds it took."""
        from domain.application import Messenger
        started = time.time()
        last = self.app.recorder.max_notification_id() or 0
        report, seen, moved = started + 15, None, started
        while True:
            inbox = self.store.view.max_tracking_id(Messenger.name) or 0
            audit = self.store.audit_view.max_tracking_id(Messenger.name) or 0
            if inbox >= last and audit >= last:
                return time.time() - started
            if (inbox, audit) != seen:
                seen, moved = (inbox, audit), time.time()
            if time.time() > moved + STALL_S:
                raise TimeoutError(f"the views stopped following: no progress in {STALL_S:.0f} s"
                                   f" (inbox {inbox}, audit {audit} of {last}; see the"
                                   f" server's log)")
            if time.time() > started + timeout_s:
                raise TimeoutError(f"the views did not catch up within {timeout_s:.0f} s "
                                   f"(inbox {inbox}, audit {audit} of {last})")
            if time.time() > report:
                progress(f"  views catching up: inbox {inbox}, audit {audit} of {last}")
                report = time.time() + 15
            time.sleep(0.1)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.store.close()
