"""A short per-container cache of key records: a busy key costs one read per ``ttl``.

One key at 20,000 calls a second with API Gateway's own cache off would otherwise need
20,000 strongly consistent reads a second of one item, past a partition's 3,000 RCU: the
reads throttle and the authorizer denies. With this cache each warm container reads a key
at most once per ``ttl`` (LATCHKEY_KEY_CACHE_SECONDS, default 5; 0 turns it off).

The price is the revocation bound: a warm container may accept a revoked key for up to
``ttl`` seconds after the revocation, on top of API Gateway's result TTL (README,
"The authorizer"; SECURITY.md). A secret the cached record refuses earns one fresh read
(``recheck``) unless the record is under ``RECHECK_SECONDS`` old, so a key's new secret
works within a second of a rotation, and wrong secrets cannot turn the cache off.
Unknown key ids are cached too: a flood of one made-up id is one read per ``ttl``.
Standard library only.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from chalicelib.domain.cache import TtlCache
from chalicelib.domain.records import ApiKey
from chalicelib.domain.verification import KeyReader

RECHECK_SECONDS = 1.0


class KeyCache:
    """A :class:`KeyReader` over another, remembering each answer for ``ttl`` seconds."""

    def __init__(
        self,
        source: KeyReader,
        ttl: float,
        size: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._entries: TtlCache[str, ApiKey | None] = TtlCache(ttl, size, monotonic)

    def __len__(self) -> int:
        return len(self._entries)

    def get_key(self, key_id: str) -> ApiKey | None:
        return self._entries.get(key_id, lambda: self._source.get_key(key_id))

    def recheck(self, key_id: str) -> ApiKey | None:
        """The key read afresh, or None when the held record is itself under
        ``RECHECK_SECONDS`` old (just read, or rechecked) or caching is off."""
        age = self._entries.age(key_id)
        if not self._entries.enabled or (age is not None and age < RECHECK_SECONDS):
            return None
        key = self._source.get_key(key_id)
        self._entries.put(key_id, key)
        return key
