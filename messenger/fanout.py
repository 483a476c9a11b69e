"""Live delivery: follows the inbox projection's changes, in order, and sends
each affected user's open connections what changed for them. The connection
whose request caused a change is left out: its reply comes from the request."""

import asyncio
import logging

from messenger import protocol
from messenger.commands import Commands
from messenger.connections import Connections
from messenger.frames import Frames
from messenger.position import ViewPosition
from projections.changes import Change

log = logging.getLogger(__name__)


class Fanout:
    def __init__(self, connections: Connections, commands: Commands, frames: Frames,
                 position: ViewPosition):
        self._connections = connections
        self._commands = commands
        self._frames = frames
        self._position = position
        self._changes: asyncio.Queue[Change] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def on_changes(self, head: int, changes: list[Change]) -> None:
        """Called on the IOLoop, in order, once the view has committed up to `head`."""
        for change in changes:
            self._changes.put_nowait(change)
        self._position.advance(head)

    async def _run(self) -> None:
        while True:
            change = await self._changes.get()
            try:
                await self._deliver(change)
            except Exception:
                log.exception("live delivery of event %s failed", change.position)

    async def _deliver(self, change: Change) -> None:
        origin = await self._commands.origin_of(change.position)
        targets: dict[str, list] = {}
        for user_id in dict.fromkeys(change.users + change.removed):
            connections = [c for c in self._connections.of(user_id) if c is not origin]
            if connections:
                targets[user_id] = connections
        if not targets:
            return
        versions = {user_id: {c.version for c in connections}
                    for user_id, connections in targets.items()}
        frames = await self._commands.query(self._frames.after_change, change, versions)
        for user_id, connections in targets.items():
            # Encoded once per user and version, whatever the number of connections.
            texts = {version: [protocol.encode(frame) for frame in frames[user_id, version]]
                     for version in versions[user_id]}
            for connection in connections:
                for text in texts[connection.version]:
                    connection.send(text)
