"""A progress line for long operator commands (rebuild-projections, audit
verify, an audit of a big chat): done / total, rate and time left, redrawn in
place on stderr while it is a terminal, and nothing at all when it is piped
or logged, so scripts and log files see only the command's own output."""

import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

UPDATES_PER_S = 4  # a terminal redraw per update would cost more than the work
ERASE_LINE = "\r\x1b[K"
DEFAULT_WIDTH = 80  # a terminal that does not say its size


class Progress:
    """`with Progress("verifying", total) as progress: progress.advance()`.
    The line is erased when the block ends, so the command's summary stands alone."""

    def __init__(self, label: str, total: int | None = None, *, start: int = 0,
                 shown: bool = True, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self._label = label
        self._total = total
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self.shown = shown and _is_terminal(self._stream)
        self.done = self._start = start
        self._started_at = clock()
        self._drawn_at: float | None = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        self.update(self.done + count)

    def update(self, done: int) -> None:
        self.done = done
        if not self.shown:
            return
        now = self._clock()
        # The first update is drawn at once, later ones a few times a second.
        if self._drawn_at is not None and now - self._drawn_at < 1 / UPDATES_PER_S:
            return
        self._drawn_at = now
        # One row at most: a carriage return cannot reach back to a wrapped one.
        self._write(ERASE_LINE + self.line(now)[:self._width() - 1])

    def close(self) -> None:
        if self._drawn_at is not None:
            self._write(ERASE_LINE)
            self._drawn_at = None

    def line(self, now: float) -> str:
        """`verifying: 1,200 / 5,000 events (24%), 400/s, 10 s left`"""
        elapsed = now - self._started_at
        # A rate over the first instant would be noise.
        rate = (self.done - self._start) / elapsed if elapsed >= 1 / UPDATES_PER_S else 0.0
        parts = [f"{self._label}: {self.done:,}"]
        if self._total:
            parts[0] += f" / {self._total:,} events ({100 * self.done // self._total}%)"
        else:
            parts[0] += " events"
        if rate > 0:
            parts.append(f"{rate:,.0f}/s")
            if self._total and self.done < self._total:
                parts.append(f"{duration((self._total - self.done) / rate)} left")
        return ", ".join(parts)

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self._stream.fileno()).columns or DEFAULT_WIDTH
        except (AttributeError, OSError, ValueError):
            return DEFAULT_WIDTH

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # the terminal went away: the work goes on
            self.shown = False


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 1:
        return "<1 s"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or closed
        return False
