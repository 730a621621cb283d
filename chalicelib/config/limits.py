"""How many keys and groups a tenant may hold unless an operator sets the tenant's own.

chalicelib/config/settings.py hands :meth:`LimitSettings.from_env` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class LimitSettings:
    """Each tenant's default limits (``latchkey tenants create --key-limit/--group-limit``)."""

    keys_per_tenant: int = 10
    groups_per_tenant: int = 50

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LimitSettings:
        """LATCHKEY_DEFAULT_KEY_LIMIT and LATCHKEY_DEFAULT_GROUP_LIMIT."""
        default = cls()
        return cls(
            keys_per_tenant=int(env.get("LATCHKEY_DEFAULT_KEY_LIMIT", default.keys_per_tenant)),
            groups_per_tenant=int(
                env.get("LATCHKEY_DEFAULT_GROUP_LIMIT", default.groups_per_tenant)
            ),
        )
