"""Runs blocking store calls off the IOLoop, and remembers which connection
caused which event so live delivery can leave the requester to its reply."""

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from domain.application import Saved


class _Flight:
    """A command on its way: whether a thread has started it, and when it is over."""

    def __init__(self, done: asyncio.Future):
        self.started = False
        self.done = done


class Commands:
    def __init__(self, executor: Executor):
        self._executor = executor
        self._in_flight: set[_Flight] = set()
        self._origins: dict[int, Any] = {}

    async def query(self, function: Callable, *args, executor: Executor | None = None) -> Any:
        # In the caller's context, so what it logs carries the request's id.
        return await asyncio.get_running_loop().run_in_executor(
            executor or self._executor, contextvars.copy_context().run, function, *args)

    async def run(self, origin: Any, command: Callable[..., Saved], *args) -> Saved:
        """Runs a command of the application on behalf of `origin`."""
        flight = _Flight(asyncio.get_running_loop().create_future())
        self._in_flight.add(flight)

        def running() -> Saved:
            flight.started = True
            return command(*args)

        try:
            saved = await self.query(running)
            # On the IOLoop, never from the store's thread: origins_of reads
            # the dict here. Live delivery that asks first waits for this flight.
            for position in saved.positions:
                self._origins[position] = origin
            return saved
        finally:
            self._in_flight.discard(flight)
            flight.done.set_result(None)

    async def origins_of(self, positions: list[int]) -> dict[int, Any]:
        """The connections whose commands stored these positions, where one here did.

        A position not recorded yet was stored by another process, or by a
        command whose thread has not got to recording it. Such a command had
        started before the event was committed, so waiting for the commands
        started now (not for those still queued) is enough."""
        if any(position not in self._origins for position in positions):
            started = [flight.done for flight in self._in_flight if flight.started]
            if started:
                await asyncio.wait(started)
        found = {position: self._origins.pop(position) for position in positions
                 if position in self._origins}
        # Positions up to here that are left changed nothing anyone is told of.
        top = max(positions, default=0)
        for position in [p for p in self._origins if p <= top]:
            del self._origins[position]
        return found
