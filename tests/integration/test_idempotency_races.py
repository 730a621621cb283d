"""Idempotency-Key under real concurrency, on DynamoDB Local: one key per Idempotency-Key.

The create route's own handler runs in threads, each with a Call as the HTTP edge builds
it (chalice's request object is one per app, so its servers cannot run the same app
concurrently in one process). Whatever the timing, exactly one key is made per
Idempotency-Key, and a claim left by a crashed request is taken over by one retry only.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from chalice import Response

from chalicelib.api.auth import Principal
from chalicelib.api.endpoint import Call
from chalicelib.api.idempotency import _fingerprint
from chalicelib.api.keys import create_key
from chalicelib.api.schemas import KeyCreate, KeyWithSecret
from chalicelib.domain.errors import IdempotencyInProgress
from chalicelib.domain.groups import MANAGE, GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor, Claim, KeyStatus
from chalicelib.storage.idempotency import LEASE
from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.integration.test_races import at_once
from tests.support.clock import FakeClock

ROUNDS = 15
LATE = Actor("system", "late", "a request that woke up after its lease")


def tenant_with_group(services: Services) -> tuple[str, str]:
    tenant_id = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant_id, 1000)
    group = services.groups.create(tenant_id, GroupDraft("Admins", "", (MANAGE,)))
    return tenant_id, group.group_id


def create_call(services: Services, tenant_id: str, group_id: str, client_key: str) -> Call[Any]:
    body = {"name": "Once only", "group_id": group_id}
    principal = Principal(tenant_id, Actor("system", "race", "race"), frozenset({MANAGE}))
    return Call(
        principal,
        services,
        KeyCreate.model_validate(body),
        None,
        {},
        {"idempotency-key": client_key},
        json.dumps(body).encode(),
    )


def active_keys(services: Services, tenant_id: str) -> int:
    keys, _ = services.keys.list(tenant_id, KeyStatus.ACTIVE, None, 1000, None)
    return len(keys)


def test_two_concurrent_creates_with_one_idempotency_key_make_exactly_one_key(
    services: Services, reliability: Counters
) -> None:
    tenant_id, group_id = tenant_with_group(services)
    for round_ in range(ROUNDS):
        call = create_call(services, tenant_id, group_id, f"same-{round_}")
        results = at_once(lambda: create_key(call), lambda: create_key(call))  # noqa: B023
        reliability.races += 1
        made = [result for result in results if isinstance(result, KeyWithSecret)]
        assert len(made) == 1, results
        # The other one waited for nothing: it was told the first is running, or, if the
        # first had finished, answered the replay of the key it made.
        (other,) = [result for result in results if result is not made[0]]
        assert isinstance(other, IdempotencyInProgress | Response), other
        assert active_keys(services, tenant_id) == round_ + 1
    assert services.tenants.get(tenant_id).keys_used == ROUNDS


def test_a_crashed_claim_is_taken_over_by_exactly_one_of_two_concurrent_retries(
    services: Services, clock: FakeClock, reliability: Counters
) -> None:
    tenant_id, group_id = tenant_with_group(services)
    for round_ in range(ROUNDS):
        call = create_call(services, tenant_id, group_id, f"crashed-{round_}")
        record = f"{tenant_id}#create#crashed-{round_}"
        crashed = services.idempotency.claim(record, _fingerprint("create", call.raw_body), clock())
        clock.advance(seconds=LEASE.total_seconds() + 1)
        results = at_once(lambda: create_key(call), lambda: create_key(call))  # noqa: B023
        reliability.races += 1
        assert len([result for result in results if isinstance(result, KeyWithSecret)]) == 1
        assert active_keys(services, tenant_id) == round_ + 1
        # The crashed request's own transaction can never commit now.
        assert isinstance(crashed, Claim)
        late = KeyDraft("Late", "", group_id, None, ())
        with pytest.raises(IdempotencyInProgress):
            services.keys.create(tenant_id, LATE, late, crashed)
        assert active_keys(services, tenant_id) == round_ + 1
