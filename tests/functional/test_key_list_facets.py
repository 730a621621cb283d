"""GET /v1/keys over the facet indexes: every filter combination lists exactly what a
brute-force filter over all keys lists, in its order, across pages; each page is a bounded
number of requests; cursors stay bound to their filters."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.domain.key_query import KeyFilter, expiry_state
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import SYSTEM, ApiKey, ExpiryState, KeyStatus
from chalicelib.storage.key_list import list_keys
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.leaks import LeakStore
from chalicelib.storage.models import connection_for
from chalicelib.wiring.services import Services
from scripts.capacity import Meter
from tests.functional.conftest import create_key, json_of
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.key_lists import brute_force, leak_mark

STATUSES = [None, KeyStatus.ACTIVE, KeyStatus.REVOKED]
EXPIRIES = [None, *ExpiryState]
LEAKS = [None, True, False]


@pytest.fixture
def mixed(services: Services, acme: Tenant, clock: FakeClock) -> list[str]:
    """24 keys in every status, leak and expiry state (some rotated to a new expiry)."""
    services.tenants.set_limit("acme", 100)
    store = KeyStore(connection_for(services.settings))
    leaks = LeakStore(connection_for(services.settings))
    lifetimes = [None, timedelta(hours=1), timedelta(days=3), timedelta(days=300)]
    made = []
    for number, (life, revoked, leaked) in enumerate(
        itertools.product(lifetimes, (False, True), (False, True))
    ):
        for copy in range(2 if number % 3 == 0 else 1):
            clock.advance(seconds=1)
            expires = None if life is None else clock.now + life
            draft = KeyDraft(f"k{number}-{copy}", "", acme.group_id, expires, ())
            key = services.keys.create("acme", SYSTEM, draft).key
            if leaked and not revoked:
                assert leaks.mark(key, leak_mark(key, clock))
            elif revoked:
                mark = leak_mark(key, clock) if leaked else None
                assert store.revoke(key, SYSTEM.actor, clock.now, leak=mark)
            made.append(key.key_id)
    # A rotation to a new expiry moves a key in the expiry index (3 days -> 200 days).
    rotated = next(
        k for k in map(lambda i: services.keys.get("acme", i), made) if k.name.startswith("k8-")
    )
    services.keys.rotate("acme", rotated.key_id, timedelta(0), clock.now + timedelta(days=200))
    clock.advance(hours=2)  # the one-hour keys have expired
    return made


def everything(services: Services) -> list[ApiKey]:
    return [services.keys.get("acme", item.key_id) for item in KeyModel.scan()]


def walk(wanted: KeyFilter, limit: int) -> Iterator[list[str]]:
    after = None
    while True:
        keys, after = list_keys("acme", wanted, limit, after)
        yield [key.key_id for key in keys]
        if after is None:
            return


@pytest.mark.parametrize("limit", [2, 5, 100])
def test_every_filter_combination_lists_what_a_brute_force_filter_lists(
    services: Services, mixed: list[str], clock: FakeClock, limit: int
) -> None:
    keys = everything(services)
    window = services.keys.expiring_soon
    assert len(keys) == len(mixed) + 1  # and the admin key
    for status, expiry, leaked in itertools.product(STATUSES, EXPIRIES, LEAKS):
        wanted = KeyFilter(status, expiry, clock.now, clock.now + window, leaked)
        pages = list(walk(wanted, limit))
        listed = [key_id for page in pages for key_id in page]
        assert listed == brute_force(keys, wanted, window), (status, expiry, leaked)
        assert all(len(page) == limit for page in pages[:-1])
    # Every state above is populated, so the comparisons were not of empty lists.
    assert {expiry_state(k, clock.now, window) for k in keys} == set(ExpiryState)


def test_an_unfiltered_page_of_50_is_one_query_and_one_batch_read(
    services: Services, acme: Tenant, clock: FakeClock
) -> None:
    services.tenants.set_limit("acme", 100)
    for number in range(60):
        draft = KeyDraft(f"k{number}", "", acme.group_id, None, ())
        services.keys.create("acme", SYSTEM, draft)
    meter = Meter.on(KeyModel._get_connection().connection.client)
    with meter.measure() as used:
        keys, after = services.keys.list("acme", None, None, 50, None)
    assert len(keys) == 50
    assert after is not None
    # One facet partition's Query per status and leak state (4), of 51 items at most, and
    # one BatchGetItem: never a second page of the index (the old off-by-one).
    assert used.by_operation == {"Query": 4, "BatchGetItem": 1}
    assert used.items_read <= 4 * 51 + 50
    with meter.measure() as used:
        keys, _ = services.keys.list("acme", KeyStatus.ACTIVE, None, 50, None, leaked=False)
    assert len(keys) == 50
    assert used.by_operation == {"Query": 1, "BatchGetItem": 1}
    assert used.items_read == 51 + 50


def test_a_filter_nothing_matches_still_reads_one_bounded_page(
    services: Services, acme: Tenant
) -> None:
    services.tenants.set_limit("acme", 100)
    for number in range(30):
        services.keys.create("acme", SYSTEM, KeyDraft(f"k{number}", "", acme.group_id, None, ()))
    meter = Meter.on(KeyModel._get_connection().connection.client)
    with meter.measure() as used:
        keys, after = services.keys.list("acme", KeyStatus.REVOKED, ExpiryState.EXPIRED, 10, None)
    assert keys == []
    assert after is None
    assert used.by_operation == {"Query": 2}
    assert used.items_read == 0


@pytest.mark.parametrize(
    ("issued_for", "used_for"),
    [
        ("leaked=true", "leaked=false"),
        ("leaked=true", ""),
        ("expiry=valid", ""),
        ("expiry=valid", "expiry=expired"),
        ("status=active", "status=active&leaked=true"),
    ],
)
def test_a_cursor_of_one_filter_set_is_refused_for_another(
    api: Api, acme: Tenant, services: Services, issued_for: str, used_for: str
) -> None:
    made = [create_key(api, acme.group_id)["key"]["id"] for _ in range(4)]
    leaks = LeakStore(connection_for(services.settings))
    clock = FakeClock(services.clock())
    for key_id in made[:2]:
        key = services.keys.get("acme", key_id)
        assert leaks.mark(key, leak_mark(key, clock))
    first = json_of(api.call("GET", f"/v1/keys?limit=1&{issued_for}"))
    assert first["next_cursor"] is not None
    again = api.call("GET", f"/v1/keys?limit=1&{issued_for}&cursor={first['next_cursor']}")
    assert again.status_code == 200
    refused = api.call("GET", f"/v1/keys?limit=1&{used_for}&cursor={first['next_cursor']}")
    assert refused.status_code == 422
    assert [error["field"] for error in json_of(refused)["errors"]] == ["cursor"]
