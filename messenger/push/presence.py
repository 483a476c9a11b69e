"""Who is online, written for the push sender (it skips users connected
anywhere): in the order connections came and went, off the IOLoop, and never
holding a connection up."""

import asyncio
import logging

log = logging.getLogger(__name__)


class PresenceWrites:
    def __init__(self, commands):
        self._commands = commands  # messenger/store/commands.py: blocking calls off the IOLoop
        self._last: asyncio.Future | None = None

    def write(self, update, *args) -> None:
        """Runs update(*args) on a store thread once the writes before it are done."""
        self._last = asyncio.ensure_future(self._after(self._last, update, *args))

    async def _after(self, previous, update, *args) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        try:
            await self._commands.query(update, *args)
        except Exception:
            log.exception("presence not recorded")

    async def drain(self) -> None:
        if self._last is not None:
            await asyncio.gather(self._last, return_exceptions=True)
