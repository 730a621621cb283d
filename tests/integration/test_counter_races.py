"""Counters under real concurrency, on DynamoDB Local: they never drift from the keys.

A tenant's ``keys_used`` and each group's ``key_count`` move in the same transactions as
the keys they count. Whatever races, both must equal what the keys themselves say.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.edits import KeyEdit
from chalicelib.domain.errors import Conflict, KeyRevoked
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor, ApiKey, KeyStatus
from chalicelib.wiring.parts import build_counter_check
from chalicelib.wiring.services import Services, build_services
from tests.conftest import Counters
from tests.integration.test_races import at_once

ADMIN = Actor(type="system", id="test", name="counter race test")
ROUNDS = 40


@pytest.fixture
def services(local_settings: Settings) -> Services:
    return build_services(local_settings)


def counted_from_keys(services: Services, tenant_id: str) -> tuple[int, Counter[str]]:
    """What the counters should say: active keys, in all and per group."""
    active, _ = services.keys.list(tenant_id, KeyStatus.ACTIVE, None, 1000, None)
    return len(active), Counter(key.group_id for key in active)


def drift(services: Services, tenant_id: str, group_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Each counter that differs from the keys: name -> (stored, counted)."""
    used, per_group = counted_from_keys(services, tenant_id)
    found = {}
    stored = services.tenants.get(tenant_id).keys_used
    if stored != used:
        found["keys_used"] = (stored, used)
    for group_id in group_ids:
        count = services.groups.get(tenant_id, group_id).key_count
        if count != per_group[group_id]:
            found[group_id] = (count, per_group[group_id])
    return found


def test_a_revoke_racing_a_group_move_leaves_every_counter_equal_to_the_keys(
    services: Services, local_settings: Settings, reliability: Counters
) -> None:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, 1000)
    first = services.groups.create(tenant_id, GroupDraft("First", "", ("keys:read",))).group_id
    second = services.groups.create(tenant_id, GroupDraft("Second", "", ("keys:read",))).group_id
    drifted = []
    for round_ in range(ROUNDS):
        key = services.keys.create(tenant_id, ADMIN, KeyDraft("racer", "", first, None, ()))
        key_id = key.key.key_id
        revoke, move = at_once(
            lambda: services.keys.revoke(tenant_id, key_id, ADMIN),  # noqa: B023 (run now)
            lambda: services.keys.update(tenant_id, key_id, KeyEdit(group_id=second)),  # noqa: B023
        )
        reliability.races += 1
        assert isinstance(revoke, ApiKey), revoke
        # The move either ran first (then the revoke revoked the moved key) or lost to it.
        assert isinstance(move, ApiKey | KeyRevoked | Conflict), move
        reliability.counter_checks += 1
        found = drift(services, tenant_id, [first, second])
        if found:
            drifted.append((round_, found))
    assert not drifted, f"{len(drifted)} of {ROUNDS} rounds drifted: {drifted[:3]}"
    # The operator's check agrees, and every key was revoked, so both groups can go.
    report = build_counter_check(local_settings).check(tenant_id)
    reliability.counter_checks += 1
    assert report.clean, report
    assert services.tenants.get(tenant_id).keys_used == 0
    services.groups.delete(tenant_id, first)
    services.groups.delete(tenant_id, second)


def test_on_dynamodb_local_the_check_repairs_a_counter_drifted_by_hand(
    services: Services, local_settings: Settings, dynamodb_client: Any, reliability: Counters
) -> None:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, 10)
    group = services.groups.create(tenant_id, GroupDraft("Only", "", ("keys:read",))).group_id
    services.keys.create(tenant_id, ADMIN, KeyDraft("one", "", group, None, ()))
    dynamodb_client.update_item(
        TableName=local_settings.dynamodb.groups_table,
        Key={"tenant_id": {"S": tenant_id}, "group_id": {"S": group}},
        UpdateExpression="SET key_count = :v",
        ExpressionAttributeValues={":v": {"N": "-1"}},
    )
    check = build_counter_check(local_settings)

    found = check.check(tenant_id)
    repaired = check.check(tenant_id, repair=True)
    reliability.counter_checks += 3

    assert [(d.group_id, d.stored, d.counted) for d in found.differences] == [(group, -1, 1)]
    assert repaired.repaired
    assert check.check(tenant_id).clean
    assert services.groups.get(tenant_id, group).key_count == 1


def test_revokes_racing_group_deletes_never_leave_a_count_without_its_group(
    services: Services, local_settings: Settings, reliability: Counters
) -> None:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, 1000)
    for _ in range(ROUNDS // 2):
        group = services.groups.create(tenant_id, GroupDraft("Brief", "", ("keys:read",)))
        key = services.keys.create(tenant_id, ADMIN, KeyDraft("k", "", group.group_id, None, ()))
        key_id, group_id = key.key.key_id, group.group_id
        at_once(
            lambda: services.keys.revoke(tenant_id, key_id, ADMIN),  # noqa: B023
            lambda: services.groups.delete(tenant_id, group_id),  # noqa: B023
        )
        reliability.races += 1
    report = build_counter_check(local_settings).check(tenant_id)
    reliability.counter_checks += 1
    # A delete that lost to the revoke left a group at 0; one that won was refused (in
    # use) or came after. Either way no counter differs and no count-only item exists.
    assert report.clean, report
