"""Key lists on DynamoDB Local's real indexes: the filters over the facet indexes, the
backfill of keys written the old way, and what a page costs."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.key_query import KeyFilter
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import SYSTEM, ExpiryState, KeyStatus
from chalicelib.storage.backfill import backfill_keys
from chalicelib.storage.key_index import index_attributes
from chalicelib.storage.key_list import list_keys
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.leaks import LeakStore
from chalicelib.storage.models import connection_for
from chalicelib.wiring.services import Services
from scripts.capacity import Meter
from tests.conftest import Counters
from tests.integration.test_races import at_once
from tests.support.clock import FakeClock
from tests.support.key_lists import brute_force, leak_mark


def new_tenant(services: Services, limit: int = 100) -> tuple[str, str]:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    made = services.tenants.bootstrap(tenant_id)
    services.tenants.set_limit(tenant_id, limit)
    return tenant_id, made.group_id


def test_every_filter_lists_what_a_brute_force_filter_lists(
    services: Services, clock: FakeClock, local_settings: Settings
) -> None:
    tenant, group = new_tenant(services)
    store = KeyStore(connection_for(local_settings))
    leaks = LeakStore(connection_for(local_settings))
    lives = [None, timedelta(hours=1), timedelta(days=3), timedelta(days=90)]
    for number, (life, revoked, leaked) in enumerate(
        itertools.product(lives, (False, True), (False, True))
    ):
        clock.advance(seconds=1)
        expires = None if life is None else clock.now + life
        key = services.keys.create(tenant, SYSTEM, KeyDraft(f"k{number}", "", group, expires, ()))
        if revoked:
            assert store.revoke(
                key.key, SYSTEM.actor, clock.now, leak=leak_mark(key.key, clock) if leaked else None
            )
        elif leaked:
            assert leaks.mark(key.key, leak_mark(key.key, clock))
    clock.advance(hours=2)
    window = services.keys.expiring_soon
    everything = [
        services.keys.get(tenant, item.key_id)
        for item in KeyModel.scan(KeyModel.tenant_id == tenant)
    ]
    leak_states: list[bool | None] = [None, True, False]
    for status, expiry, reported in itertools.product(
        [None, *KeyStatus], [None, *ExpiryState], leak_states
    ):
        wanted = KeyFilter(status, expiry, clock.now, clock.now + window, reported)
        listed: list[str] = []
        after = None
        while True:
            keys, after = list_keys(tenant, wanted, 3, after)
            listed += [key.key_id for key in keys]
            if after is None:
                break
        assert listed == brute_force(everything, wanted, window), (status, expiry, reported)


def strip(client: Any, settings: Settings, key_id: str) -> None:
    client.update_item(
        TableName=settings.dynamodb.keys_table,
        Key={"key_id": {"S": key_id}},
        UpdateExpression="REMOVE list_facet, expiry_sort",
    )


def test_a_key_written_the_old_way_becomes_listable_after_the_backfill(
    services: Services, local_settings: Settings, dynamodb_client: Any, clock: FakeClock
) -> None:
    tenant, group = new_tenant(services)
    old = []
    for number in range(4):
        expires = clock.now + timedelta(days=number + 1) if number % 2 else None
        key = services.keys.create(tenant, SYSTEM, KeyDraft(f"o{number}", "", group, expires, ()))
        strip(dynamodb_client, local_settings, key.key.key_id)
        old.append(key.key.key_id)
    listed, _ = services.keys.list(tenant, None, None, 100, None)
    assert {key.key_id for key in listed}.isdisjoint(old)

    # The whole session's table: other tests' keys are examined too, and already right.
    first = backfill_keys()
    second = backfill_keys()

    assert first.written >= 4
    assert second.written == 0
    listed, _ = services.keys.list(tenant, None, None, 100, None)
    assert set(old) <= {key.key_id for key in listed}
    soon, _ = services.keys.list(tenant, None, ExpiryState.EXPIRING_SOON, 100, None)
    assert [key.name for key in soon] == ["o1", "o3"]


def test_a_page_reads_a_bounded_number_of_items_however_few_match(
    services: Services, local_settings: Settings
) -> None:
    tenant, group = new_tenant(services, limit=200)
    for number in range(120):
        services.keys.create(tenant, SYSTEM, KeyDraft(f"k{number}", "", group, None, ()))
    meter = Meter.on(KeyModel._get_connection().connection.client)
    with meter.measure() as used:
        keys, after = services.keys.list(tenant, KeyStatus.ACTIVE, None, 50, None, leaked=False)
    assert len(keys) == 50
    assert after is not None
    assert used.by_operation == {"Query": 1, "BatchGetItem": 1}
    assert used.items_read == 51 + 50
    with meter.measure() as used:
        keys, after = services.keys.list(tenant, KeyStatus.REVOKED, None, 50, None)
    assert keys == []
    assert after is None
    assert used.by_operation == {"Query": 2}
    assert used.items_read == 0


@pytest.mark.parametrize("round_", range(8))
def test_a_revocation_racing_a_leak_leaves_the_key_in_its_right_facet(
    services: Services,
    local_settings: Settings,
    clock: FakeClock,
    reliability: Counters,
    round_: int,
) -> None:
    """The revoke writes the facet of the leak state it read, on condition that it holds;
    the leak mark writes the active-leaked facet on condition the key is active. Whatever
    the interleaving, the stored facet is the one the stored state derives."""
    tenant, group = new_tenant(services)
    key = services.keys.create(tenant, SYSTEM, KeyDraft("raced", "", group, None, ())).key
    store = KeyStore(connection_for(local_settings))
    leaks = LeakStore(connection_for(local_settings))

    revoked, marked = at_once(
        lambda: store.revoke(key, SYSTEM.actor, clock.now),
        lambda: leaks.mark(key, leak_mark(key, clock)),
    )
    assert revoked is True  # a lost condition re-reads and revokes (leaked or not)
    assert marked in (True, False)
    reliability.races += 1

    item = KeyModel.get(key.key_id, consistent_read=True)
    assert item.status == KeyStatus.REVOKED.value
    assert item.list_facet == index_attributes(item)["list_facet"]
    listed, _ = services.keys.list(tenant, KeyStatus.REVOKED, None, 10, None)
    assert [found.key_id for found in listed] == [key.key_id]
