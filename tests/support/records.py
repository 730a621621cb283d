"""Domain records with plausible defaults: ``make_key(status=...)`` names only what matters."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.records import Actor, ApiKey, Group, KeyStatus, SecretHash

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ORDERS_ROUTES = ("GET /orders/*", "POST /orders")


def make_key(**changes: Any) -> ApiKey:
    """An active key of acme's Orders group, made a day before ``NOW``; ``changes`` replace."""
    key = ApiKey(
        key_id="0123456789abcdef",
        tenant_id="acme",
        name="Billing worker",
        description="",
        group_id="grp_orders",
        status=KeyStatus.ACTIVE,
        expires_at=None,
        ip_allowlist=(),
        created_by=Actor(type="user", id="u1", name="Ada"),
        created_at=NOW - timedelta(days=1),
        updated_at=NOW - timedelta(days=1),
        hint="lk_test_0123456789abcdef_",
        current_secret=SecretHash("0" * 64, 1),
    )
    return replace(key, **changes)


def make_group(routes: tuple[str, ...] = ORDERS_ROUTES, **changes: Any) -> Group:
    """Acme's Orders group (read and write orders); ``changes`` replace."""
    group = Group(
        group_id="grp_orders",
        tenant_id="acme",
        name="Orders",
        description="",
        permissions=("orders:read", "orders:write"),
        routes=routes,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(group, **changes)
