"""Runs blocking store calls off the IOLoop, hands use cases to the
application's writer, and remembers which connection caused which event so
live delivery can leave the requester to its reply."""

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from functools import partial
from typing import Any

from domain.saving import Saved, SavingApplication


class Commands:
    def __init__(self, app: SavingApplication, executor: Executor):
        self._app = app
        self._executor = executor
        self._origins: dict[int, Any] = {}
        self._origins_lock = threading.Lock()  # written by store threads, read on the IOLoop
        self._answers: list[tuple[asyncio.Future, Future]] = []  # saved, not yet told
        self._answers_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def query(self, function: Callable, *args, executor: Executor | None = None) -> Any:
        # In the caller's context, so what it logs carries the request's id.
        return await asyncio.get_running_loop().run_in_executor(
            executor or self._executor, contextvars.copy_context().run, function, *args)

    async def run(self, origin: Any, command: Callable[..., Saved], *args) -> Saved:
        """Runs a use case of the application on behalf of `origin`: its
        checks here, its decision and save on the writer's thread."""
        self._loop = asyncio.get_running_loop()
        done = self._loop.create_future()
        submitted = self._app.submit(command, *args)
        submitted.add_done_callback(partial(self._saved, origin, done))
        return await done

    def _saved(self, origin: Any, done: asyncio.Future, submitted: Future) -> None:
        """On the writer's thread, as soon as the positions are known (usually
        long before live delivery asks): records the origin, and hands the
        outcome to the IOLoop, a whole batch's in one wake-up."""
        if submitted.exception() is None:
            with self._origins_lock:  # the IOLoop reads and prunes it in origins_of
                for position in submitted.result().positions:
                    self._origins[position] = origin
        with self._answers_lock:
            first = not self._answers
            self._answers.append((done, submitted))
        if first:
            self._loop.call_soon_threadsafe(self._answer)

    def _answer(self) -> None:
        with self._answers_lock:
            answers, self._answers = self._answers, []
        for done, submitted in answers:
            if done.done():  # the request was cancelled meanwhile
                continue
            error = submitted.exception()
            if error is None:
                done.set_result(submitted.result())
            else:
                done.set_exception(error)

    async def origins_of(self, positions: list[int]) -> dict[int, Any]:
        """The connections whose commands stored these positions, where one here did.

        A position not recorded yet was stored by another process, or by
        the transaction this process's writer is saving now, whose origins
        are recorded before that save is over: waiting for it is enough."""
        with self._origins_lock:
            missing = any(position not in self._origins for position in positions)
        saving = self._app.saving
        if missing and saving is not None:
            await asyncio.wrap_future(saving)
        with self._origins_lock:
            found = {position: self._origins.pop(position) for position in positions
                     if position in self._origins}
            # Positions up to here that are left changed nothing anyone is told of.
            top = max(positions, default=0)
            for position in [p for p in self._origins if p <= top]:
                del self._origins[position]
        return found
