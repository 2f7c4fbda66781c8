"""Per-key token buckets: `limit` requests per minute, refilled continuously; bursts up to `limit`."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, default_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.default_per_minute = default_per_minute
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, last refill time)
        self._lock = threading.Lock()

    def acquire(self, key_id: int, per_minute: int | None = None) -> int | None:
        """None when the request may go ahead, else the whole seconds to wait (for Retry-After)."""
        limit = float(per_minute or self.default_per_minute)
        rate = limit / 60.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (limit, now))
            tokens = min(limit, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return None
            self._buckets[key_id] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / rate))
