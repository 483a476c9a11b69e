"""Typing indicators: a member's `typing` goes to the other members'
version 2 connections, on this process at once and on the others through a
signal (messenger/live/signals.py). Never stored; a client hides it after
TYPING_EXPIRES_S unless it comes again."""

import asyncio
import logging
import time
from uuid import UUID

from domain.chat import NOTIFICATION_KINDS
from domain.errors import ChatNotFoundError, ReadOnlyChatError
from messenger.live.connections import Connection, Connections
from messenger.live.signals import Signals
from messenger.store.commands import Commands
from messenger.wire import protocol, shapes
from projections.inbox_view import InboxView

log = logging.getLogger(__name__)

TYPING_EXPIRES_S = 5
# At most one typing per user and chat is relayed this often; clients send
# one every few seconds while typing, and the ones between are dropped.
RELAY_INTERVAL_S = 2.0
PRUNE_AT = 10_000  # remembered (user, chat) pairs before the stale ones are forgotten


class TypingRelay:
    def __init__(self, connections: Connections, commands: Commands, view: InboxView,
                 signals: Signals):
        self._connections = connections
        self._commands = commands
        self._view = view
        self._signals = signals
        self._relayed: dict[tuple[str, str], float] = {}  # (user, chat): when, monotonic
        self._incoming: list[list] = []  # other processes' typing, not delivered yet

    async def typing(self, connection: Connection, chat_id: UUID) -> None:
        """Relays it, or drops it within RELAY_INTERVAL_S of the last one
        relayed. Raises ChatNotFoundError for a chat the user is not in, and
        ReadOnlyChatError where they cannot write."""
        user_id, chat = connection.user_id, str(chat_id)
        now = time.monotonic()
        if now - self._relayed.get((user_id, chat), -RELAY_INTERVAL_S) < RELAY_INTERVAL_S:
            return  # checked when it was relayed: a user's repeats cost no read
        summary = await self._commands.query(self._view.chat, user_id, chat)
        if summary is None:
            raise ChatNotFoundError(chat_id)
        if summary.kind in NOTIFICATION_KINDS and summary.members[:1] == (user_id,):
            raise ReadOnlyChatError("notification chats are read-only")
        self._remember((user_id, chat), now)
        name = dict(zip(summary.members, summary.names)).get(user_id) or connection.user_name
        self._deliver(chat, user_id, name, summary.members)
        if self._signals.crosses_processes:
            await self._commands.query(self._signals.send, "typing", [[chat, user_id, name]])

    def received(self, items: list[list]) -> None:
        """Other processes' typing ([chat_id, user_id, name] each), on the
        IOLoop: what arrives together is delivered after one read."""
        if not self._incoming:
            asyncio.ensure_future(self._deliver_received())
        self._incoming.extend(items)

    async def _deliver_received(self) -> None:
        await asyncio.sleep(0)  # what else is arriving now comes along
        items, self._incoming = self._incoming, []
        if not any(c.version == 2 for c in self._connections.all()):
            return
        try:
            members = await self._commands.query(self._view.members_of, [i[0] for i in items])
        except Exception:
            log.exception("typing from other processes not delivered")
            return
        for chat, user_id, name in items:
            self._deliver(chat, user_id, name, members.get(chat, ()))

    def _deliver(self, chat: str, user_id: str, name: str, members) -> None:
        """To the other members' version 2 connections: not to the typer's own."""
        text = None
        for member in members:
            if member == user_id:
                continue
            for connection in self._connections.of(member):
                if connection.version == 2:
                    if text is None:
                        text = protocol.encode(shapes.typing_frame(chat, user_id, name,
                                                                   TYPING_EXPIRES_S))
                    connection.send(text)

    def _remember(self, key: tuple[str, str], now: float) -> None:
        if len(self._relayed) >= PRUNE_AT:
            self._relayed = {k: at for k, at in self._relayed.items()
                             if now - at < RELAY_INTERVAL_S}
        self._relayed[key] = now
