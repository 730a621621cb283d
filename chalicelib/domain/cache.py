"""A per-container cache with an age limit and a size limit, for the authorizer.

Used for groups (chalicelib/domain/access.py) and keys (chalicelib/domain/key_cache.py).
An entry is served for at most ``ttl`` seconds after it was read; the least recently used
entry goes once ``size`` are held; and each lookup frees up to two expired entries from
the least recently used end, so a container that saw many keys once does not keep them.
O(1) per lookup. Standard library only (the authorizer's hot path).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
EXPIRED_FREED_PER_LOOKUP = 2


class TtlCache(Generic[K, V]):
    """``get(key, load)``: the cached value while fresh, else ``load()``'s, remembered."""

    def __init__(
        self, ttl: float, size: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._size = max(size, 1)
        self._monotonic = monotonic
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        return self._ttl > 0

    def get(self, key: K, load: Callable[[], V]) -> V:
        if not self.enabled:
            return load()
        now = self._monotonic()
        entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self._ttl:
            self._entries.move_to_end(key)
            self._free_expired(now)
            return entry[1]
        value = load()  # raises through: a failed read caches nothing
        self.put(key, value, now)
        return value

    def put(self, key: K, value: V, now: float | None = None) -> None:
        if not self.enabled:
            return
        now = self._monotonic() if now is None else now
        self._entries[key] = (now, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        self._free_expired(now)

    def age(self, key: K) -> float | None:
        """Seconds since ``key``'s value was loaded; None when it is not held."""
        entry = self._entries.get(key)
        return None if entry is None else self._monotonic() - entry[0]

    def _free_expired(self, now: float) -> None:
        for _ in range(EXPIRED_FREED_PER_LOOKUP):
            oldest = next(iter(self._entries.values()), None)
            if oldest is None or now - oldest[0] < self._ttl:
                return
            self._entries.popitem(last=False)
