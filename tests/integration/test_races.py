"""Invariants under real concurrency, on DynamoDB Local (moto is not safe for this)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

import pytest
from pynamodb.connection import Connection

from chalicelib.config.settings import Settings
from chalicelib.domain.errors import Conflict, KeyLimitReached, KeyRevoked
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.records import Actor, ApiKey, KeyStatus
from chalicelib.domain.verification import Outcome
from chalicelib.storage.keys import KeyStore
from chalicelib.wiring.services import Services, build_services
from tests.conftest import Counters

T = TypeVar("T")
ADMIN = Actor(type="system", id="test", name="race test")


@pytest.fixture
def services(local_settings: Settings) -> Services:
    return build_services(local_settings)


def new_tenant(services: Services, limit: int) -> tuple[str, str]:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, limit)
    group = services.groups.create(tenant_id, GroupDraft("Workers", "", ("keys:read",)))
    return tenant_id, group.group_id


def draft(group_id: str, name: str = "worker") -> KeyDraft:
    return KeyDraft(name, "", group_id, None, ())


def at_once(*calls: Callable[[], T]) -> list[T | Exception]:
    """Run the calls in threads released together; return results or raised errors."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T | Exception:
        barrier.wait()
        try:
            return call()
        except Exception as error:  # the race's loser is part of the result
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_twenty_concurrent_creates_against_a_limit_of_five_create_exactly_five(
    services: Services, reliability: Counters
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    results = at_once(*[lambda: services.keys.create(tenant_id, ADMIN, draft(group_id))] * 20)
    reliability.races += 1
    made = [result for result in results if isinstance(result, Issued)]
    refused = [result for result in results if isinstance(result, KeyLimitReached)]
    assert (len(made), len(refused)) == (5, 15), results
    tenant = services.tenants.get(tenant_id)
    assert tenant.keys_used == 5
    listed, _ = services.keys.list(tenant_id, None, None, 100, None)
    assert len(listed) == 5
    assert services.groups.get(tenant_id, group_id).key_count == 5


@pytest.mark.parametrize("round_", range(50))
def test_after_a_revoke_that_raced_a_rotation_no_secret_authenticates(
    services: Services, reliability: Counters, round_: int
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    issued = services.keys.create(tenant_id, ADMIN, draft(group_id))
    key_id = issued.key.key_id
    rotate, revoke = at_once(
        lambda: services.keys.rotate(tenant_id, key_id, timedelta(hours=1), None),
        lambda: services.keys.revoke(tenant_id, key_id, ADMIN),
    )
    reliability.races += 1
    assert isinstance(revoke, ApiKey), revoke
    assert revoke.status is KeyStatus.REVOKED
    tokens = [issued.token]
    if isinstance(rotate, Issued):
        # The rotation ran first; the revoke that followed must still win over its secret.
        tokens.append(rotate.token)
    else:
        # The loser is told why (both answer 409), never a storage error or a 500.
        assert isinstance(rotate, KeyRevoked | Conflict), rotate
    for token in tokens:
        assert services.verifier.verify(token, "127.0.0.1").outcome is not Outcome.VALID
    # No lost update: the revoke's freed slot and group count stay freed, the key stays revoked.
    assert services.tenants.get(tenant_id).keys_used == 0
    assert services.groups.get(tenant_id, group_id).key_count == 0
    assert services.keys.get(tenant_id, key_id).status is KeyStatus.REVOKED


def test_concurrent_rotations_leave_exactly_one_working_secret(
    services: Services, reliability: Counters
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    issued = services.keys.create(tenant_id, ADMIN, draft(group_id))
    results = at_once(
        *[lambda: services.keys.rotate(tenant_id, issued.key.key_id, timedelta(0), None)] * 2
    )
    reliability.races += 1
    winners = [result for result in results if isinstance(result, Issued)]
    # Overlapping rotations: one wins, the other gets a Conflict. Rotations that happen to
    # run one after the other both succeed, and the later one's secret is the one left.
    assert winners, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Issued))
    tokens = [issued.token, *(winner.token for winner in winners)]
    valid = [token for token in tokens if services.verifier.verify(token, None).valid]
    assert len(valid) == 1
    assert valid[0] in {winner.token for winner in winners}


def test_a_rotation_based_on_a_stale_read_loses(
    services: Services, local_settings: Settings
) -> None:
    tenant_id, group_id = new_tenant(services, limit=5)
    issued = services.keys.create(tenant_id, ADMIN, draft(group_id))
    stale = services.keys.get(tenant_id, issued.key.key_id)
    services.keys.rotate(tenant_id, issued.key.key_id, timedelta(0), None)
    store = KeyStore(Connection(local_settings.region, host=local_settings.dynamodb.endpoint))
    now = services.clock()
    assert store.rotate(stale, stale.current_secret, None, None, now) is False
