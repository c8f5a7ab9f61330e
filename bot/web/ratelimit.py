"""Rate limits per client address, for the console's open doors: the public kiosk and sign-in;
and the sign-in lock per account and address (`FailureLock`).

A token bucket per address: `burst` requests at once, then one more every `60 / per_minute`
seconds. A refused request gets 429 with `Retry-After` (seconds); the first refusal of a run is
logged, not every one (a flood must not flood the log too). The buckets live in memory (one
console process) and at most `max_clients` addresses are remembered, the least recently seen
forgotten first. Behind a reverse proxy every visitor has the proxy's address: give the proxy
the limits instead, or raise these (docs/security.md).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate:
    burst: int
    """Requests allowed at once."""
    per_minute: float
    """Sustained requests per minute once the burst is spent."""


@dataclass
class _Bucket:
    tokens: float
    at: float
    refused: bool = False


class RateLimiter:
    """One limit (`rate`) for every client address."""

    def __init__(self, name: str, rate: Rate, clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 10_000) -> None:
        if rate.burst < 1 or rate.per_minute <= 0:
            raise ValueError("a rate needs a burst of at least 1 and a positive rate")
        self.name = name
        self.rate = rate
        self.clock = clock
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """0 when `client` may go ahead now (and that request is counted), else the whole seconds
        until it may."""
        with self._lock:
            now = self.clock()
            bucket = self._bucket(client, now)
            bucket.tokens = min(self.rate.burst, bucket.tokens + (now - bucket.at) * self.rate.per_minute / 60)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                bucket.refused = False
                return 0
            if not bucket.refused:
                log.warning("%s: %s is over the limit (%d at once, %g a minute): answering 429",
                            self.name, client, self.rate.burst, self.rate.per_minute)
            bucket.refused = True
            return max(1, math.ceil((1 - bucket.tokens) * 60 / self.rate.per_minute))

    def _bucket(self, client: str, now: float) -> _Bucket:
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = self._buckets[client] = _Bucket(float(self.rate.burst), now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(client)
        return bucket


class FailureLock:
    """Failed attempts per key (an account at one client address): `failures` within `window_s`
    lock that key for `lock_s`. Kept in memory, at most `max_keys`, the least recently seen
    forgotten first.

    Sign-in counts per account *and address*, so that someone guessing from one address locks
    only themselves out, not the admin signing in from another (the account itself locks only
    after many more failures: bot.web.auth)."""

    def __init__(self, failures: int, window_s: float, lock_s: float, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000) -> None:
        self.failures, self.window_s, self.lock_s = failures, window_s, lock_s
        self.clock = clock
        self.max_keys = max_keys
        self._seen: OrderedDict[str, list[float]] = OrderedDict()
        self._locked: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked_for(self, key: str) -> int:
        """Whole seconds `key` stays locked, 0 when it is not."""
        with self._lock:
            until = self._locked.get(key)
            now = self.clock()
            if until is None or until <= now:
                self._locked.pop(key, None)
                return 0
            return max(1, math.ceil(until - now))

    def failed(self, key: str) -> bool:
        """Count one failure; True when it locks `key`."""
        with self._lock:
            now = self.clock()
            recent = [t for t in self._seen.pop(key, []) if now - t <= self.window_s] + [now]
            if len(recent) >= self.failures:
                self._locked[key] = now + self.lock_s
                log.warning("sign-in: %d failures for %s: locked for %g s", len(recent), key, self.lock_s)
                recent = []
            self._seen[key] = recent
            while len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
            if len(self._locked) > self.max_keys:
                for stale in [k for k, until in self._locked.items() if until <= now]:
                    del self._locked[stale]
            return key in self._locked

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)
