"""The provider's side: the platform keys' table and which people are platform staff.

chalicelib/config/settings.py hands :func:`platform_settings` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict


class PlatformSettings(TypedDict):
    platform_keys_table: str
    platform_role: str
    platform_read_role: str
    platform_role_claim: str


def platform_settings(env: Mapping[str, str]) -> PlatformSettings:
    """LATCHKEY_PLATFORM_KEYS_TABLE, and the OpenID Connect role values (in the claim
    LATCHKEY_PLATFORM_ROLE_CLAIM) that make a person a platform principal: empty, none does."""
    manage = env.get("LATCHKEY_PLATFORM_ROLE", "").strip()
    read = env.get("LATCHKEY_PLATFORM_READ_ROLE", "").strip()
    if manage and manage == read:
        raise ValueError("LATCHKEY_PLATFORM_ROLE and LATCHKEY_PLATFORM_READ_ROLE must differ")
    return {
        "platform_keys_table": env.get("LATCHKEY_PLATFORM_KEYS_TABLE", "latchkey-platform-keys"),
        "platform_role": manage,
        "platform_read_role": read,
        "platform_role_claim": env.get("LATCHKEY_PLATFORM_ROLE_CLAIM", "cognito:groups"),
    }
