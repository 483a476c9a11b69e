"""Runs blocking store calls off the IOLoop, and remembers which connection
caused which event so live delivery can leave the requester to its reply."""

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from domain.saving import Saved


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
        self._origins_lock = threading.Lock()  # written by store threads, read on the IOLoop

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
            saved = command(*args)
            # Recorded by the thread itself, as soon as the positions are known:
            # usually long before live delivery asks. Under the lock, as the
            # IOLoop reads and prunes the dict in origins_of.
            with self._origins_lock:
                for position in saved.positions:
                    self._origins[position] = origin
            return saved

        try:
            return await self.query(running)
        finally:
            self._in_flight.discard(flight)
            flight.done.set_result(None)

    async def origins_of(self, positions: list[int]) -> dict[int, Any]:
        """The connections whose commands stored these positions, where one here did.

        A position not recorded yet was stored by another process, or by a
        command whose thread has not got to recording it. Such a command had
        started before the event was committed, so waiting for the commands
        started now (not for those still queued) is enough."""
        with self._origins_lock:
            missing = any(position not in self._origins for position in positions)
        if missing:
            started = [flight.done for flight in self._in_flight if flight.started]
            if started:
                await asyncio.wait(started)
        with self._origins_lock:
            found = {position: self._origins.pop(position) for position in positions
                     if position in self._origins}
            # Positions up to here that are left changed nothing anyone is told of.
            top = max(positions, default=0)
            for position in [p for p in self._origins if p <= top]:
                del self._origins[position]
        return found
