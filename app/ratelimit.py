"""Per-address sliding-window rate limit (per process; behind a proxy, set it per worker)."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, limit_per_minute: int) -> None:
        self.limit = limit_per_minute
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)

    def exhausted(self, key: str) -> bool:
        """True when the key already used its limit in the last 60 s (records nothing)."""
        if self.limit <= 0:
            return False
        now = time.monotonic()
        return sum(1 for hit in self._hits.get(key, ()) if hit > now - 60) >= self.limit

    def allow(self, key: str) -> bool:
        """Record a hit; False when the key exceeded its limit in the last 60 s (0 = no limit)."""
        if self.limit <= 0:
            return True
        now = time.monotonic()
        hits = self._hits[key]
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self._hits) > 100_000:  # forget idle addresses
            for idle in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
                del self._hits[idle]
        return True
