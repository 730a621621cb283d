"""The tenant's last manager survives racing edits, on DynamoDB Local.

Two administrators revoking each other at the same moment, or stripping keys:manage from
each other's groups, each pass a read-then-decide check alone; only the transaction's own
conditions (chalicelib/storage/managers.py) keep one of them standing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from chalicelib.config.settings import Settings
from chalicelib.domain.edits import GroupEdit, KeyEdit
from chalicelib.domain.errors import LastManager
from chalicelib.domain.groups import MANAGE, READ, GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import ApiKey, KeyStatus
from chalicelib.wiring.services import Services, build_services
from tests.conftest import Counters
from tests.integration.test_races import ADMIN, at_once

ROUNDS = 15


@pytest.fixture
def services(local_settings: Settings) -> Services:
    return build_services(local_settings)


def managing_group(services: Services, tenant_id: str, name: str) -> str:
    draft = GroupDraft(name, "", (MANAGE, READ))
    return services.groups.create(tenant_id, draft).group_id


def admin_key(services: Services, tenant_id: str, group_id: str) -> ApiKey:
    return services.keys.create(tenant_id, ADMIN, KeyDraft("admin", "", group_id, None, ())).key


def managers(services: Services, tenant_id: str) -> int:
    """Active keys whose group grants keys:manage, as stored."""
    keys, _ = services.keys.list(tenant_id, KeyStatus.ACTIVE, None, 100, None)
    granting = {g.group_id for g in services.groups.list(tenant_id) if MANAGE in g.permissions}
    return sum(key.group_id in granting for key in keys)


def new_tenant(services: Services) -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, 10)
    return tenant_id


def outcomes(results: list[object]) -> tuple[int, int]:
    """(calls that went through, calls refused as the last manager); nothing else allowed."""
    refused = [result for result in results if isinstance(result, LastManager)]
    failed = [result for result in results if isinstance(result, Exception)]
    assert failed == refused, results
    return len(results) - len(refused), len(refused)


def race(services: Services, reliability: Counters, *calls: Callable[[], object]) -> list[object]:
    reliability.races += 1
    return list(at_once(*calls))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_admins_revoking_each_other_at_once_leave_one_manager(
    services: Services, reliability: Counters, round_: int
) -> None:
    tenant_id = new_tenant(services)
    first = admin_key(services, tenant_id, managing_group(services, tenant_id, "Ops"))
    second = admin_key(services, tenant_id, managing_group(services, tenant_id, "Security"))
    results = race(
        services,
        reliability,
        lambda: services.keys.revoke(tenant_id, first.key_id, ADMIN),
        lambda: services.keys.revoke(tenant_id, second.key_id, ADMIN),
    )
    assert outcomes(results) == (1, 1)
    assert managers(services, tenant_id) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_admins_of_one_group_revoking_each_other_leave_one_manager(
    services: Services, reliability: Counters, round_: int
) -> None:
    tenant_id = new_tenant(services)
    group_id = managing_group(services, tenant_id, "Ops")
    first, second = (admin_key(services, tenant_id, group_id) for _ in range(2))
    results = race(
        services,
        reliability,
        lambda: services.keys.revoke(tenant_id, first.key_id, ADMIN),
        lambda: services.keys.revoke(tenant_id, second.key_id, ADMIN),
    )
    assert outcomes(results) == (1, 1)
    assert managers(services, tenant_id) == 1
    assert services.groups.get(tenant_id, group_id).key_count == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_stripping_keys_manage_from_both_managing_groups_at_once_leaves_one(
    services: Services, reliability: Counters, round_: int
) -> None:
    tenant_id = new_tenant(services)
    ops = managing_group(services, tenant_id, "Ops")
    security = managing_group(services, tenant_id, "Security")
    admin_key(services, tenant_id, ops)
    admin_key(services, tenant_id, security)
    strip = GroupEdit(permissions=(READ,))
    results = race(
        services,
        reliability,
        lambda: services.groups.update(tenant_id, ops, strip),
        lambda: services.groups.update(tenant_id, security, strip),
    )
    assert outcomes(results) == (1, 1)
    assert managers(services, tenant_id) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_revoke_a_move_and_a_strip_racing_leave_one_manager(
    services: Services, reliability: Counters, round_: int
) -> None:
    tenant_id = new_tenant(services)
    ops = managing_group(services, tenant_id, "Ops")
    security = managing_group(services, tenant_id, "Security")
    readers = services.groups.create(tenant_id, GroupDraft("Readers", "", (READ,))).group_id
    first = admin_key(services, tenant_id, ops)
    second = admin_key(services, tenant_id, security)
    third = admin_key(services, tenant_id, security)
    results = race(
        services,
        reliability,
        lambda: services.keys.revoke(tenant_id, first.key_id, ADMIN),
        lambda: services.keys.update(tenant_id, second.key_id, KeyEdit(group_id=readers)),
        lambda: services.keys.revoke(tenant_id, third.key_id, ADMIN),
        lambda: services.groups.update(tenant_id, security, GroupEdit(permissions=(READ,))),
    )
    _, refused = outcomes(results)
    assert refused >= 1
    assert managers(services, tenant_id) >= 1
