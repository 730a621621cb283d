"""The provider's part of the settings: the platform keys' table and which people are
platform staff.

chalicelib/config/settings.py hands :meth:`PlatformSettings.from_env` the environment it
reads; nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformSettings:
    """The platform keys' table, and the OpenID Connect role values (in ``role_claim``) of
    platform staff who manage (``role``) or only read (``read_role``); empty: nobody."""

    keys_table: str = "latchkey-platform-keys"
    role: str = ""
    read_role: str = ""
    role_claim: str = "cognito:groups"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PlatformSettings:
        """``LATCHKEY_PLATFORM_*``: the table and the role values; the two roles differ."""
        default = cls()
        manage = env.get("LATCHKEY_PLATFORM_ROLE", "").strip()
        read = env.get("LATCHKEY_PLATFORM_READ_ROLE", "").strip()
        if manage and manage == read:
            raise ValueError("LATCHKEY_PLATFORM_ROLE and LATCHKEY_PLATFORM_READ_ROLE must differ")
        return cls(
            keys_table=env.get("LATCHKEY_PLATFORM_KEYS_TABLE", default.keys_table),
            role=manage,
            read_role=read,
            role_claim=env.get("LATCHKEY_PLATFORM_ROLE_CLAIM", default.role_claim),
        )
