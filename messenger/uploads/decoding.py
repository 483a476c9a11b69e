"""A thread pool of its own for checking and storing uploads, pictures and
documents alike. Decoding an image takes up to a second and ~100 MiB: on the
store's threads a few big pictures would hold up every other user's requests."""

import asyncio
import contextvars
import functools
import os
from concurrent.futures import ThreadPoolExecutor

from messenger.uploads.intake import UploadError

# At most this many images decode at once, ~100 MiB each, leaving a core to
# everything else (on the 2-core machines we run on: one).
DECODE_THREADS = max(1, (os.cpu_count() or 2) // 2)
# Uploads that may wait for a thread, each holding its body (up to max_bytes);
# one more is refused at once rather than queued without end.
MAX_WAITING = 4


class DecodePool:
    def __init__(self, threads: int = DECODE_THREADS, max_waiting: int = MAX_WAITING):
        self._executor = ThreadPoolExecutor(threads, "images")
        self._capacity = threads + max_waiting
        self._admitted = 0  # counted on the IOLoop only, so no lock

    async def run(self, function, *args, **kwargs):
        if self._admitted >= self._capacity:
            raise UploadError(503, "too many uploads are being processed: try again shortly")
        self._admitted += 1
        try:
            # In the caller's context, so what it logs carries the request's id.
            call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._executor, call)
        finally:
            self._admitted -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False)
