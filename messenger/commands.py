"""Runs blocking store calls off the IOLoop, and remembers which connection
caused which event so live delivery can leave the requester to its reply."""

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from domain.application import Saved


class Commands:
    def __init__(self, executor: Executor):
        self._executor = executor
        self._in_flight: set[asyncio.Future] = set()
        self._origins: dict[int, Any] = {}

    async def query(self, function: Callable, *args) -> Any:
        # In the caller's context, so what it logs carries the request's id.
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, contextvars.copy_context().run, function, *args)

    async def run(self, origin: Any, command: Callable[..., Saved], *args) -> Saved:
        """Runs a command of the application on behalf of `origin`."""
        done = asyncio.get_running_loop().create_future()
        self._in_flight.add(done)
        try:
            saved = await self.query(command, *args)
            for position in saved.positions:
                self._origins[position] = origin
            return saved
        finally:
            self._in_flight.discard(done)
            done.set_result(None)

    async def origins_of(self, positions: list[int]) -> dict[int, Any]:
        """The connections whose commands stored these positions, where one here did.

        The projection can report an event before the executor hands its
        command's result back to the IOLoop. Any command that could have stored
        it was in flight when the event was committed, so waiting for the
        commands in flight now is enough for its origin to be recorded."""
        in_flight = list(self._in_flight)
        if in_flight:
            await asyncio.wait(in_flight)
        found = {position: self._origins.pop(position) for position in positions
                 if position in self._origins}
        # Positions up to here that are left changed nothing anyone is told of.
        top = max(positions, default=0)
        for position in [p for p in self._origins if p <= top]:
            del self._origins[position]
        return found
