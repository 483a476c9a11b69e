"""Live delivery: follows the inbox projection's changes, in order, and sends
each affected user's open connections what changed for them. The connection
whose request caused a change is left out: its reply comes from the request."""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from messenger.live.connections import Connections
from messenger.metrics import FANOUT_SECONDS, observe_delivery
from messenger.store.commands import Commands
from messenger.wire import protocol
from messenger.wire.frames import Frames
from projections.changes import MESSAGE_NEW, Change

log = logging.getLogger(__name__)

MAX_BATCH = 200  # changes rendered in one trip to the database thread
V1_CHUNK = 16  # version 1 users rendered by one store thread


class Fanout:
    def __init__(self, connections: Connections, commands: Commands, frames: Frames):
        self._connections = connections
        self._commands = commands
        self._frames = frames
        self._changes: asyncio.Queue[Change] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._reader = ThreadPoolExecutor(1, "fanout")

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self._reader.shutdown)

    def on_changes(self, head: int, changes: list[Change], posted: dict) -> None:
        """Called on the IOLoop, in order, once the view has committed up to
        `head`; `posted`: messages by position, when the writer of this
        process already knows them."""
        now = time.monotonic()
        for change in changes:
            self._changes.put_nowait((change, now, posted.get(change.position)))

    async def _run(self) -> None:
        while True:
            # What piled up while the last batch was delivered goes out together:
            # one trip to the database thread, not one per change.
            queued = [await self._changes.get()]
            while not self._changes.empty() and len(queued) < MAX_BATCH:
                queued.append(self._changes.get_nowait())
            changes = [change for change, _, _ in queued]
            posted = {change.position: known for change, _, known in queued if known is not None}
            try:
                await self._deliver(changes, posted)
                done = time.monotonic()
                for change, arrived, _ in queued:
                    FANOUT_SECONDS.observe(done - arrived)
                    if change.what == MESSAGE_NEW:
                        observe_delivery(change.at_us)
            except Exception:
                log.exception("live delivery of events %s to %s failed",
                              changes[0].position, changes[-1].position)

    async def _v1_frames(self, windows: dict[str, list[str]], lists: set[str]
                         ) -> dict[str, list[dict]]:
        """Version 1's whole lists, read for many users at once on the store's
        threads (a chat list and windows each: the reads are most of the work)."""
        users = list(windows)
        parts = await asyncio.gather(*(
            self._commands.query(self._frames.v1_frames,
                                 {user: windows[user] for user in users[start:start + V1_CHUNK]},
                                 lists)
            for start in range(0, len(users), V1_CHUNK)))
        return {user: frames for part in parts for user, frames in part.items()}

    async def _deliver(self, changes: list[Change], posted: dict) -> None:
        origins = await self._commands.origins_of([change.position for change in changes])
        plans = []
        for change in changes:
            origin = origins.get(change.position)
            targets: dict[str, list] = {}
            for user_id in dict.fromkeys(change.users + change.removed):
                connections = [c for c in self._connections.of(user_id) if c is not origin]
                if connections:
                    targets[user_id] = connections
            if targets:
                plans.append((change, targets))
        if not plans:
            return
        requests = [(change, {user_id: {c.version for c in connections}
                              for user_id, connections in targets.items()})
                    for change, targets in plans]
        # On a thread of its own: never queued behind the commands.
        if all(change.position in posted and all(c.version == 2 for cs in targets.values()
                                                 for c in cs) for change, targets in plans):
            v2, v1 = self._frames.after_posts(requests, posted), {}  # nothing to read
        else:
            v2, windows, lists = await self._commands.query(
                self._frames.after_changes, requests, posted, executor=self._reader)
            v1 = await self._v1_frames(windows, lists)
        # A frame shared by many recipients is encoded once (`v2` and `v1`
        # keep the frames alive, so their ids stay theirs).
        texts: dict[int, bytes] = {}

        def send(connection, frames: list[dict]) -> None:
            for frame in frames:
                text = texts.get(id(frame))
                if text is None:
                    text = texts[id(frame)] = protocol.encode(frame)
                connection.send(text)

        v1_connections = {}  # each once for the batch, in the order first reached
        for (change, targets), frames in zip(plans, v2):
            for user_id, connections in targets.items():
                for connection in connections:
                    if connection.version == 1:
                        v1_connections[connection] = user_id
                    else:
                        send(connection, frames[user_id, 2])
        for connection, user_id in v1_connections.items():
            send(connection, v1[user_id])
