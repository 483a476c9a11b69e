"""Presence, kept for every process: who connects and goes is written to the
database (projections/presence.py) off the IOLoop, and what changed in what
others are shown is told to the version 2 connections of the users sharing
a chat with them, here and, through a signal, on the other processes.

Writes coalesce: whatever came and went while one was being written goes in
the next, so a reconnect storm of thousands costs a few transactions, never
one per connection, and a lone connection is written at once (the push
sender asks the same table whom not to push). Announcements go out at most
once per ANNOUNCE_S, for every user that changed, after one query for who
shares a chat with them."""

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone

import tornado.ioloop

from messenger.live.connections import Connections
from messenger.live.signals import Signals
from messenger.store.commands import Commands
from messenger.wire import protocol, shapes
from projections.inbox import stamp
from projections.inbox_view import InboxView
from projections.presence import PresenceNews

log = logging.getLogger(__name__)

ANNOUNCE_S = 1.0  # changes are told together, at most this often
CHECK_S = 1.0  # how often the keeper looks whether a write is due
LEASES_PER_HEARTBEAT = 3  # a process that misses three heartbeats is taken for dead

# What a user is shown as: online, last seen at ("" for never), and whether
# it goes out even though they hide presence (the moment they hide it).
Shown = tuple[bool, str, bool]


class PresenceKeeper:
    def __init__(self, view: InboxView, commands: Commands, connections: Connections,
                 signals: Signals, heartbeat_s: float, offline_after_s: float,
                 clock: Callable[[], float] = time.time):
        self._view = view
        self._commands = commands
        self._connections = connections
        self._signals = signals
        self._heartbeat_s = heartbeat_s
        self._offline_after_s = offline_after_s
        # Heartbeats go on a CHECK_S timer, so they may come that much late.
        self._lease_s = heartbeat_s * LEASES_PER_HEARTBEAT + CHECK_S
        self._clock = clock
        self._pending: dict[str, bool] = {}  # user: connected here now, not written yet
        self._dues: deque[float] = deque()  # when users who went from here are due offline
        self._writing: asyncio.Task | None = None
        self._last_write = 0.0
        self._next_look = 0.0  # for others' offline users and processes whose lease ran out
        self._news: dict[str, Shown] = {}  # to announce
        self._announcing: asyncio.TimerHandle | None = None
        self._last_announced = 0.0  # monotonic
        self._timer = tornado.ioloop.PeriodicCallback(self._check, CHECK_S * 1000)
        self._stopped = False
        self._failing = False  # said once per outage, not once a second
        self._leased = False  # written once: the process holds a lease since

    # --- told by Connections, on the IOLoop --------------------------------------

    def connected(self, user_id: str) -> None:
        """The user's first connection to this process opened."""
        if self._stopped:
            return
        self._pending[user_id] = True
        self._write_soon()

    def gone(self, user_id: str) -> None:
        """The user's last connection to this process closed."""
        if self._stopped:
            return  # stop() lets every user of this process go at once
        self._pending[user_id] = False
        self._dues.append(self._clock() + self._offline_after_s)
        self._write_soon()

    # --- the process's life --------------------------------------------------------

    def start(self) -> None:
        self._write_soon()  # this process's lease, from the start
        self._timer.start()

    async def stop(self) -> None:
        """After the connections closed: this process's users leave, shown
        offline after offline_after_s unless they reconnect elsewhere first."""
        self._stopped = True
        self._timer.stop()
        if self._writing is not None:
            await asyncio.gather(self._writing, return_exceptions=True)
        if self._announcing is not None:
            self._announcing.cancel()
            await self._announce()
        now = self._clock()
        try:
            await self._commands.query(self._view.leave_process, self._signals.process_id,
                                       stamp_at(now), now + self._offline_after_s)
        except Exception:  # its lease runs out by itself: then another process retires it
            log.exception("this process's presence not retired")

    @property
    def idle(self) -> bool:
        """Nothing being written, nor waiting to be announced (for tests)."""
        return (self._writing is None and not self._pending and not self._news
                and self._announcing is None)

    # --- writing ---------------------------------------------------------------------

    def _write_soon(self) -> None:
        if self._writing is None:
            self._writing = asyncio.ensure_future(self._write())

    async def _write(self) -> None:
        try:
            while True:
                pending, self._pending = self._pending, {}
                now = self._clock()
                try:
                    news = await self._commands.query(
                        self._view.record_presence, self._signals.process_id,
                        [user for user, here in pending.items() if here],
                        [user for user, here in pending.items() if not here], now, stamp_at(now),
                        self._lease_s, self._offline_after_s, True)
                except Exception:
                    self._failed("presence not recorded; trying again every second")
                    for user, here in pending.items():  # unless they changed meanwhile
                        self._pending.setdefault(user, here)
                    return
                if self._failing:
                    log.warning("presence recorded again")
                    self._failing = False
                self._last_write = now
                self._next_look = now + self._offline_after_s
                while self._dues and self._dues[0] <= now:
                    self._dues.popleft()
                if self._leased and not news.lease_kept:
                    log.warning("this process was taken for dead (no heartbeat for %.0f s):"
                                " writing its connections again",
                                self._lease_s)
                    for connection in self._connections.all():
                        self._pending.setdefault(connection.user_id, True)
                self._leased = True
                self._take(news)
                if not self._pending:
                    return
        finally:
            self._writing = None

    async def _check(self) -> None:
        """Writes when one is due: this process's heartbeat, a user who went
        from here due offline; and looks, every offline_after_s, whether
        someone else's is (a user who went from another process, or the
        users of a process that stopped or died)."""
        if self._writing is not None:
            return
        now = self._clock()
        if (self._pending or (self._dues and self._dues[0] <= now)
                or now - self._last_write >= self._heartbeat_s):
            self._write_soon()
        elif now >= self._next_look:
            self._next_look = now + self._offline_after_s
            try:
                if await self._commands.query(self._view.presence_due, now):
                    self._write_soon()
            except Exception:
                self._failed("presence not looked at")

    def _failed(self, what: str) -> None:
        if not self._failing:
            log.exception(what)
        self._failing = True

    # --- announcing ------------------------------------------------------------------

    def _take(self, news: PresenceNews) -> None:
        for user_id in news.online:
            self._news[user_id] = (True, "", False)
        for user_id, last_seen_at in news.offline:
            self._news[user_id] = (False, last_seen_at, False)
        if self._news and self._announcing is None:
            wait_s = max(0.0, self._last_announced + ANNOUNCE_S - time.monotonic())
            self._announcing = asyncio.get_running_loop().call_later(
                wait_s, lambda: asyncio.ensure_future(self._announce()))

    async def _announce(self) -> None:
        self._announcing = None
        self._last_announced = time.monotonic()
        news, self._news = self._news, {}
        await self._tell(news)

    async def visibility_changed(self, user_id: str, visible: bool) -> None:
        """Told at once: hidden, the user is shown offline and never seen
        (and then nothing more about them); shown again, as they are."""
        try:
            online, last_seen_at = (
                (await self._commands.query(self._view.shown_presence, user_id))
                if visible else (False, ""))
        except Exception:  # the setting is stored: lists show it, frames are news
            log.exception("presence setting of %s not told", user_id)
            return
        await self._tell({user_id: (online, last_seen_at, True)})

    async def _tell(self, news: dict[str, Shown]) -> None:
        if not news:
            return
        if self._signals.crosses_processes:
            items = [[user, *shown] for user, shown in news.items()]
            await self._commands.query(self._signals.send, "presence", items)
        await self._deliver(news)

    def received(self, items: list[list]) -> None:
        """Another process's announcement, on the IOLoop."""
        news = {user: (bool(online), last_seen_at, bool(forced))
                for user, online, last_seen_at, forced in items}
        asyncio.ensure_future(self._deliver(news))

    async def _deliver(self, news: dict[str, Shown]) -> None:
        """To the version 2 connections here of whoever shares a chat with
        each user: one query for them all. Nothing about a user hiding presence."""
        watchers = {c.user_id for c in self._connections.all() if c.version == 2}
        if not watchers:
            return
        try:
            pairs, hidden = await self._commands.query(self._view.presence_watchers,
                                                       list(news), list(watchers))
        except Exception:
            log.exception("presence of %d users not delivered", len(news))
            return
        texts: dict[str, bytes] = {}  # one frame per user, encoded once for all its watchers
        for subject, watcher in pairs:
            online, last_seen_at, forced = news[subject]
            if subject in hidden and not forced:
                continue
            text = texts.get(subject)
            if text is None:
                text = texts[subject] = protocol.encode(
                    shapes.presence_frame(subject, online, last_seen_at))
            for connection in self._connections.of(watcher):
                if connection.version == 2:
                    connection.send(text)


def stamp_at(seconds: float) -> str:
    return stamp(datetime.fromtimestamp(seconds, timezone.utc))
