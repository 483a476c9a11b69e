"""How far the inbox view has got, on the IOLoop: replies wait here until the
view includes the event their command stored, so they are never stale."""

import asyncio
import heapq
import itertools


class ViewPosition:
    def __init__(self, position: int):
        self.position = position
        self._waiters: list[tuple[int, int, asyncio.Future]] = []
        self._order = itertools.count()

    def advance(self, position: int) -> None:
        self.position = max(self.position, position)
        while self._waiters and self._waiters[0][0] <= self.position:
            _, _, waiter = heapq.heappop(self._waiters)
            if not waiter.done():
                waiter.set_result(None)

    async def reached(self, position: int, timeout_s: float) -> None:
        if position <= self.position:
            return
        waiter = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (position, next(self._order), waiter))
        await asyncio.wait_for(waiter, timeout_s)
