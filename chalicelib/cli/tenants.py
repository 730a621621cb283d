"""``latchkey tenants create|set-limit|set-group-limit|set-leak-policy|show``.

Each carries out one change (or none, ``show``) through the tenant service and prints the
tenant as it now is: a table for a person, one JSON object with ``--json``.
"""

from __future__ import annotations

import argparse

from chalicelib.cli.output import show
from chalicelib.config.settings import Settings
from chalicelib.domain.records import LeakPolicy, Tenant
from chalicelib.wiring.services import Services

TENANT_COLUMNS = {
    "tenant_id": "Tenant",
    "key_limit": "Key limit",
    "keys_used": "Keys used",
    "group_limit": "Group limit",
    "groups_used": "Groups used",
    "leak_policy": "Leak policy",
}


def tenants(services: Services, args: argparse.Namespace, settings: Settings) -> int:
    """Run a ``tenants`` action and print the tenant."""
    show(_tenant_json(_tenant_action(services, args), settings), args.json, TENANT_COLUMNS)
    return 0


def _tenant_action(services: Services, args: argparse.Namespace) -> Tenant:
    """Carry out ``tenants create|set-*|show`` and return the tenant as it now is."""
    if args.action == "create":
        return services.tenants.create(args.name, args.key_limit, args.group_limit)
    if args.action == "set-limit":
        return services.tenants.set_limit(args.name, args.limit)
    if args.action == "set-group-limit":
        return services.tenants.set_group_limit(args.name, args.limit)
    if args.action == "set-leak-policy":
        return services.tenants.set_leak_policy(args.name, LeakPolicy(args.policy))
    return services.tenants.get(args.name)


def _tenant_json(tenant: Tenant, settings: Settings) -> dict[str, object]:
    return {
        "tenant_id": tenant.tenant_id,
        "key_limit": tenant.key_limit,
        "keys_used": tenant.keys_used,
        "group_limit": settings.limits.groups_per_tenant
        if tenant.group_limit is None
        else tenant.group_limit,
        "groups_used": tenant.groups_used,
        "leak_policy": tenant.leak_policy.value,
    }
