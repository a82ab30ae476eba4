"""Per-key token buckets in memory: N requests a minute, with the wait before the next one allowed."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

MAX_KEYS = 50_000


class RateLimiter:
    """`per_minute` requests per key, refilled continuously; 0 disables the limit."""

    def __init__(
        self, per_minute: int, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS
    ) -> None:
        self.per_minute = per_minute
        self._max_keys = max_keys
        self._rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last update)
        self._lock = threading.Lock()

    def check(self, key: str) -> int:
        """Take one request for `key`: 0 when allowed, else the whole seconds to wait (Retry-After)."""
        if self.per_minute <= 0:
            return 0
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(key, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > self._max_keys:
                    self._forget_full(now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil(round((1.0 - tokens) / self._rate, 6)))

    def __len__(self) -> int:
        """How many keys are tracked (bounded by max_keys)."""
        return len(self._buckets)

    def _forget_full(self, now: float) -> None:
        """Drop keys whose bucket has refilled (they behave like unseen keys), then the stalest if need be."""
        self._buckets = {
            key: (tokens, last)
            for key, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self._rate < self.per_minute
        }
        if len(self._buckets) > self._max_keys:
            newest = sorted(self._buckets.items(), key=lambda item: item[1][1])[-(self._max_keys // 2) :]
            self._buckets = dict(newest)
