"""The authorizer's per-container caches: keys and groups expire, stay bounded, and a
revoked key is refused once the key cache's time has passed (the documented bound)."""

from __future__ import annotations

import contextlib
from dataclasses import replace

from chalicelib.domain.access import GroupCache
from chalicelib.domain.cache import TtlCache
from chalicelib.domain.key_cache import RECHECK_SECONDS, KeyCache
from chalicelib.domain.key_format import KeyFormat, format_token
from chalicelib.domain.peppers import StaticPeppers
from chalicelib.domain.records import Group, KeyStatus
from chalicelib.domain.verification import Outcome, Verifier
from tests.support.clock import FakeMonotonic
from tests.support.verification import NOW, PEPPERS, PREFIX, Clock, FakeKeys, key_with_secret

SECRET = "s" * 43
NEW_SECRET = "n" * 43


def test_an_entry_is_served_until_its_time_then_loaded_again() -> None:
    tick = FakeMonotonic(100.0)
    cache: TtlCache[str, int] = TtlCache(5, 10, tick)
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get("a", load) == 1
    tick.now += 4.999
    assert cache.get("a", load) == 1
    tick.now += 0.001
    assert cache.get("a", load) == 2


def test_the_least_recently_used_entry_goes_past_the_size() -> None:
    cache: TtlCache[str, str] = TtlCache(60, 3, FakeMonotonic(100.0))
    for name in "abc":
        cache.get(name, lambda name=name: name)  # type: ignore[misc]
    cache.get("a", lambda: "reloaded")  # a is now the most recently used
    cache.get("d", lambda: "d")
    assert len(cache) == 3
    assert cache.get("a", lambda: "reloaded") == "a", "a stayed"
    assert cache.get("b", lambda: "reloaded") == "reloaded", "b, the least used, went"


def test_expired_entries_are_freed_even_when_never_asked_for_again() -> None:
    tick = FakeMonotonic(100.0)
    cache: TtlCache[int, int] = TtlCache(5, 100_000, tick)
    for n in range(1000):
        cache.get(n, lambda n=n: n)  # type: ignore[misc]
    tick.now += 6
    for n in range(1000, 2000):
        cache.get(n, lambda n=n: n)  # type: ignore[misc]
    assert len(cache) <= 1000 + 2, "each lookup frees up to two expired entries"
    tick.now += 6
    for _ in range(1000):
        cache.get("hot", lambda: 0)  # type: ignore[arg-type]
    assert len(cache) == 1


def test_a_failed_load_caches_nothing() -> None:
    cache: TtlCache[str, int] = TtlCache(5, 10, FakeMonotonic(100.0))

    def fail() -> int:
        raise RuntimeError("throttled")

    for _ in range(2):
        with contextlib.suppress(RuntimeError):
            cache.get("a", fail)
    assert len(cache) == 0


def test_a_zero_time_turns_a_cache_off() -> None:
    cache: TtlCache[str, int] = TtlCache(0, 10, FakeMonotonic(100.0))
    loads = iter(range(10))
    assert [cache.get("a", lambda: next(loads)) for _ in range(3)] == [0, 1, 2]
    assert len(cache) == 0


class Groups:
    def __init__(self) -> None:
        self.reads = 0

    def get_group(self, tenant_id: str, group_id: str) -> Group | None:
        self.reads += 1
        return None


def test_the_group_cache_holds_at_most_its_size() -> None:
    source = Groups()
    cache = GroupCache(source, 30, FakeMonotonic(100.0), size=100)
    for n in range(10_000):
        cache.get("acme", f"grp_{n}")
    assert len(cache) == 100
    assert source.reads == 10_000


def verifier_over(keys: FakeKeys, tick: FakeMonotonic, ttl: float = 5) -> tuple[Verifier, KeyCache]:
    cache = KeyCache(keys, ttl, 100, tick)
    verifier = Verifier(
        KeyFormat(PREFIX), cache, StaticPeppers(PEPPERS), Clock(NOW), recheck=cache.recheck
    )
    return verifier, cache


def test_a_busy_key_is_read_once_per_key_cache_time() -> None:
    key, tick = key_with_secret(secret=SECRET), FakeMonotonic(100.0)
    keys = FakeKeys(key)
    verifier, _ = verifier_over(keys, tick)
    token = format_token(PREFIX, key.key_id, SECRET)
    for _ in range(1000):
        assert verifier.verify(token, None).outcome is Outcome.VALID
        tick.now += 0.004
    assert len(keys.reads) == 1
    tick.now += 1
    verifier.verify(token, None)
    assert len(keys.reads) == 2


def test_a_revoked_key_is_refused_once_the_key_cache_time_has_passed() -> None:
    key, tick = key_with_secret(secret=SECRET), FakeMonotonic(100.0)
    keys = FakeKeys(key)
    verifier, _ = verifier_over(keys, tick)
    token = format_token(PREFIX, key.key_id, SECRET)
    assert verifier.verify(token, None).valid
    keys.keys[key.key_id] = replace(key, status=KeyStatus.REVOKED)
    tick.now += 4.999
    assert verifier.verify(token, None).valid, "inside the bound: the cached record"
    tick.now += 0.001
    assert verifier.verify(token, None).outcome is Outcome.REVOKED


def test_a_rotated_keys_new_secret_earns_one_fresh_read_within_a_second() -> None:
    key, tick = key_with_secret(secret=SECRET), FakeMonotonic(100.0)
    keys = FakeKeys(key)
    verifier, _ = verifier_over(keys, tick)
    assert verifier.verify(format_token(PREFIX, key.key_id, SECRET), None).valid
    rotated = key_with_secret(secret=NEW_SECRET)
    keys.keys[key.key_id] = rotated
    tick.now += RECHECK_SECONDS
    assert verifier.verify(format_token(PREFIX, key.key_id, NEW_SECRET), None).valid
    assert len(keys.reads) == 2


def test_wrong_secrets_for_a_busy_key_cost_at_most_one_read_a_second() -> None:
    key, tick = key_with_secret(secret=SECRET), FakeMonotonic(100.0)
    keys = FakeKeys(key)
    verifier, _ = verifier_over(keys, tick)
    wrong = format_token(PREFIX, key.key_id, "w" * 43)
    for _ in range(1000):  # 1,000 wrong guesses over 4 seconds
        assert verifier.verify(wrong, None).outcome is Outcome.NOT_FOUND
        tick.now += 0.004
    assert len(keys.reads) <= 1 + 4, "the first read, then one recheck a second at most"


def test_the_key_cache_holds_at_most_its_size_and_caches_unknown_ids_too() -> None:
    keys, tick = FakeKeys(), FakeMonotonic(100.0)
    cache = KeyCache(keys, 5, 50, tick)
    for n in range(1000):
        assert cache.get_key(f"unknown-{n}") is None
    assert len(cache) == 50
    for _ in range(100):
        cache.get_key("unknown-999")
    assert len(keys.reads) == 1000, "a flood of one made-up id is one read per time"


def test_with_the_key_cache_off_every_call_reads_and_nothing_is_held() -> None:
    key, tick = key_with_secret(secret=SECRET), FakeMonotonic(100.0)
    keys = FakeKeys(key)
    verifier, cache = verifier_over(keys, tick, ttl=0)
    for _ in range(3):
        verifier.verify(format_token(PREFIX, key.key_id, "w" * 43), None)
    assert len(keys.reads) == 3, "one read each, and no recheck"
    assert len(cache) == 0
