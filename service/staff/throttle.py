"""Login rate limiting: too many failed logins from one address or for one name lock that key out."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_S = 15 * 60.0
MAX_KEYS = 50_000


class LoginThrottle:
    """At most `max_failures` failed logins per key (an IP or a user name) within `window_s` seconds."""

    def __init__(
        self,
        *,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> int:
        """Whole seconds until any of `keys` may try again (0: it may now)."""
        now = self._clock()
        with self._lock:
            waits = [self._wait(key, now) for key in keys]
        return max(waits, default=0)

    def _wait(self, key: str, now: float) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self._window:
            times.popleft()
        if len(times) < self._max:
            return 0
        return max(1, int(times[0] + self._window - now + 0.999))

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > MAX_KEYS:
                self._failures.clear()  # a flood of names: start over rather than grow without bound
            for key in keys:
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name_key: str) -> None:
        """A good password clears the name's failures (the address keeps its count)."""
        with self._lock:
            self._failures.pop(name_key, None)
