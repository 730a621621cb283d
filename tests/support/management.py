"""The management services (keys, groups, tenants) wired on in-memory fakes, for unit tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.config.limits import LimitSettings
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.groups import GroupService
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.keys import KeyService
from chalicelib.domain.peppers import StaticPeppers
from chalicelib.domain.tenants import TenantService
from tests.support.fakes import FakeGroups, FakeKeys, FakeTenants, Tables

PREFIX = "lk_test"
EXPIRING_SOON = timedelta(days=7)
THRESHOLDS = (30, 7, 1, 0)


@dataclass
class Management:
    """Services over one set of tables; tests read the tables to see what was written."""

    clock: Callable[[], datetime]
    default_key_limit: int = LimitSettings.keys_per_tenant
    tables: Tables = field(default_factory=Tables)
    # A test may put a subclass here to script what another writer does meanwhile.
    key_store_type: type[FakeKeys] = FakeKeys

    def __post_init__(self) -> None:
        self.key_store = self.key_store_type(self.tables)
        self.group_store = FakeGroups(self.tables)
        self.tenant_store = FakeTenants(self.tables)
        self.keys = KeyService(
            self.key_store,
            StaticPeppers({1: b"unit-test-pepper"}),
            KeyFormat(PREFIX),
            self.clock,
            EXPIRING_SOON,
            ExpiryPolicy(THRESHOLDS),
            self.group_store,
        )
        self.groups = GroupService(self.group_store, self.clock)
        self.tenants = TenantService(
            self.tenant_store, self.groups, self.keys, self.clock, self.default_key_limit
        )
