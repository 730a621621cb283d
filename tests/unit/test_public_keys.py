"""One cache of published public keys: what it fetches, when, and what it keeps."""

from __future__ import annotations

from typing import Any

from chalicelib.identity.oidc import parse_jwks
from chalicelib.identity.public_keys import REFETCH_AT_MOST_EVERY, PublicKeyCache
from tests.support.clock import FakeMonotonic


class Publisher:
    """A key list that can change, fail, and count its fetches."""

    def __init__(self) -> None:
        self.keys = {"a": 1}
        self.fetches = 0
        self.down = False

    def __call__(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        if self.down:
            raise OSError("unreachable")
        return {"keys": dict(self.keys)}


def parse(document: dict[str, Any]) -> dict[str, int]:
    keys: dict[str, int] = document["keys"]
    return keys


def test_known_keys_are_served_without_fetching_again() -> None:
    publisher, clock = Publisher(), FakeMonotonic(100.0)
    cache = PublicKeyCache("https://issuer/jwks", parse, publisher, clock)
    assert cache.key("a") == 1
    clock.now += 10 * REFETCH_AT_MOST_EVERY
    assert cache.key("a") == 1
    assert publisher.fetches == 1


def test_with_cache_for_a_stale_list_is_fetched_again() -> None:
    publisher, clock = Publisher(), FakeMonotonic(100.0)
    cache = PublicKeyCache("https://github/keys", parse, publisher, clock, cache_for=3600.0)
    cache.key("a")
    publisher.keys = {"a": 2}
    clock.now += 3600.0
    assert cache.key("a") == 2
    assert publisher.fetches == 2


def test_an_unknown_key_is_fetched_at_most_once_a_minute() -> None:
    publisher, clock = Publisher(), FakeMonotonic(100.0)
    cache = PublicKeyCache("https://issuer/jwks", parse, publisher, clock)
    cache.key("a")
    for _ in range(10):
        assert cache.key("random") is None
    assert publisher.fetches == 1
    publisher.keys = {"a": 1, "random": 3}
    clock.now += REFETCH_AT_MOST_EVERY
    assert cache.key("random") == 3
    assert publisher.fetches == 2


def test_a_failed_fetch_keeps_the_keys_fetched_before() -> None:
    publisher, clock = Publisher(), FakeMonotonic(100.0)
    cache = PublicKeyCache("https://issuer/jwks", parse, publisher, clock)
    cache.key("a")
    publisher.down = True
    clock.now += REFETCH_AT_MOST_EVERY
    assert cache.key("unknown") is None
    assert cache.key("a") == 1
    assert publisher.fetches == 2


def test_a_jwks_entry_that_is_no_rsa_key_is_skipped_not_fatal() -> None:
    document = {
        "keys": [
            {"kty": "RSA", "kid": "broken", "n": "not-base64!", "e": "AQAB"},
            {"kty": "EC", "kid": "elliptic", "crv": "P-256"},
            {"kty": "RSA"},
        ]
    }
    assert parse_jwks(document) == {}
