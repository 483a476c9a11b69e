"""A token bucket: `rate` requests a second on average, bursts of `burst`."""

import time


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self._rate = rate
        self._burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def take(self) -> float:
        """0 if a request may go now, else the seconds until one may."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self._rate
