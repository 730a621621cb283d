"""Published public keys, fetched once, cached, and fetched again sparingly.

One cache for every list of keys Latchkey checks signatures against: an OpenID Connect
issuer's JWKS and GitHub's secret scanning keys. A key the cache does not know (or, with
``cache_for``, a list grown stale) triggers a fetch, at most once every
``refetch_at_most_every`` seconds whatever asks, so random key ids cannot make us hammer the
publisher. When a fetch fails (unreachable, garbled), the keys fetched before keep serving.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Callable
from typing import Any, Generic, TypeVar

Fetch = Callable[[str], dict[str, Any]]
Key = TypeVar("Key")
REFETCH_AT_MOST_EVERY = 60.0  # seconds between fetches, whatever asks for them
log = logging.getLogger(__name__)


def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document (a JWKS, GitHub's key list) with a short timeout."""
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - URL from settings
        document: dict[str, Any] = json.load(response)
        return document


class PublicKeyCache(Generic[Key]):
    """Keys by id from the document at ``url``, as ``parse`` reads it."""

    def __init__(
        self,
        url: str,
        parse: Callable[[dict[str, Any]], dict[str, Key]],
        fetch: Fetch = fetch_json,
        monotonic: Callable[[], float] = time.monotonic,
        cache_for: float | None = None,
    ) -> None:
        """``cache_for``: seconds a fetched list is trusted; None trusts it until a key is
        missing."""
        self._url = url
        self._parse = parse
        self._fetch = fetch
        self._monotonic = monotonic
        self._cache_for = cache_for
        self._keys: dict[str, Key] = {}
        self._fetched_at: float | None = None  # the last fetch that worked
        self._tried_at: float | None = None  # the last fetch, worked or not

    def key(self, key_id: str) -> Key | None:
        """The key named ``key_id``, or None (after at most one fetch a minute)."""
        now = self._monotonic()
        if (key_id not in self._keys or self._stale(now)) and self._may_fetch(now):
            self._refresh(now)
        return self._keys.get(key_id)

    def _stale(self, now: float) -> bool:
        if self._cache_for is None:
            return False
        return self._fetched_at is None or now - self._fetched_at >= self._cache_for

    def _may_fetch(self, now: float) -> bool:
        return self._tried_at is None or now - self._tried_at >= REFETCH_AT_MOST_EVERY

    def _refresh(self, now: float) -> None:
        self._tried_at = now
        try:
            keys = self._parse(self._fetch(self._url))
        except Exception as error:  # unreachable or garbled: keep serving what we have
            log.warning("public keys not fetched from %s: %s", self._url, type(error).__name__)
            return
        self._keys, self._fetched_at = keys, now
