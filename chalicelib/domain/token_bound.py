"""What one key may spend on token signing: a reused token, then a rate per key.

Every token is one ``kms:Sign`` against an account-wide quota (500 RSA requests a second
by default), so one key, a leaked one included, could starve every tenant's issuance.
Two bounds, both in the container's memory only (a token is never stored anywhere):

- :class:`TokenReuse`: a still-fresh token signed for the same key, scope and claims is
  answered again, with its remaining lifetime, instead of signing another. "Same claims"
  includes the group's routes, the key's allowlist and the audience, so an edit is never
  hidden by a reused token; a token is reused only while more than half its lifetime
  remains and never past the expiry a new one would get (a key's expiry, a rotation's
  grace). Never shared across keys: the key id is part of the entry's name.
- :class:`SignRate`: beyond ``per_minute`` signatures for one key (a token bucket that
  refills continuously), :class:`~chalicelib.domain.errors.TokenRateLimited` says how
  many seconds to wait.

Both are per container: N warm containers allow N times the rate; the stage's
throttling and the KMS throttling alarm (infra/template.yaml) bound the rest. A Lambda
container serves one request at a time, but a local server has threads: the rate takes a
lock, so concurrent requests never spend more than the bucket holds.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from chalicelib.domain.errors import TokenRateLimited

MAX_ENTRIES = 10_000  # keys (or key+scope pairs) held at most; least recently used out


@dataclass(frozen=True)
class Signed:
    """A token signed earlier, and when it expires (epoch seconds)."""

    access_token: str
    scope: str
    issued_at: int
    expires: int


class TokenReuse:
    """Still-fresh tokens by (key, scope, claims), least recently used out first."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._size = max(size, 1)
        self._entries: OrderedDict[Hashable, Signed] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, name: Hashable, now: int, expires_at_most: int) -> Signed | None:
        """The token signed under ``name``, while more than half its life remains and it
        does not outlive ``expires_at_most``; else None (and the entry goes)."""
        found = self._entries.get(name)
        if found is None:
            return None
        half = (found.expires - found.issued_at) / 2
        if found.expires - now <= half or found.expires > expires_at_most:
            del self._entries[name]
            return None
        self._entries.move_to_end(name)
        return found

    def keep(self, name: Hashable, signed: Signed) -> None:
        self._entries[name] = signed
        self._entries.move_to_end(name)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


class SignRate:
    """A token bucket per key: ``per_minute`` signatures, refilled continuously."""

    def __init__(
        self,
        per_minute: int,
        monotonic: Callable[[], float] = time.monotonic,
        size: int = MAX_ENTRIES,
    ) -> None:
        self._per_minute = per_minute
        self._monotonic = monotonic
        self._size = max(size, 1)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._per_minute > 0

    def take(self, key_id: str) -> None:
        """Spend one signature of ``key_id``'s; TokenRateLimited when none is left."""
        if not self.enabled:
            return
        with self._lock:
            self._take(key_id)

    def _take(self, key_id: str) -> None:
        now = self._monotonic()
        capacity = float(self._per_minute)
        per_second = capacity / 60
        tokens, at = self._buckets.get(key_id, (capacity, now))
        tokens = min(capacity, tokens + (now - at) * per_second)
        if tokens < 1:
            self._buckets[key_id] = (tokens, now)
            raise TokenRateLimited(
                "too many tokens signed for this key", math.ceil((1 - tokens) / per_second)
            )
        self._buckets[key_id] = (tokens - 1, now)
        self._buckets.move_to_end(key_id)
        while len(self._buckets) > self._size:
            self._buckets.popitem(last=False)
