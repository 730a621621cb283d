"""The world every authorizer test starts from (tests/functional/authorizer/world.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.groups import GroupDraft
from chalicelib.wiring.services import Services
from tests.functional.authorizer.world import (
    ALLOWLIST,
    ORDERS,
    PERMISSIONS,
    TENANT,
    World,
)
from tests.support.clock import FakeClock


@pytest.fixture
def world(services: Services, clock: FakeClock) -> World:
    services.tenants.create(TENANT, key_limit=100)
    made = World(
        services,
        clock,
        services.groups.create(TENANT, GroupDraft("Orders", "", PERMISSIONS, ORDERS)),
    )
    made.add_key("valid")
    made.add_key("allowlisted", ip_allowlist=ALLOWLIST)
    made.add_key("revoked")
    made.add_key("expired", expires_at=clock.now + timedelta(hours=1))
    made.revoke("revoked")
    clock.advance(hours=2)
    return made
