"""The access-token variables (OAuth 2.0 client credentials, issue 15), read in one block.

chalicelib/config/settings.py hands :func:`token_settings` the environment it reads; nothing here
reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

MAX_TOKEN_LIFETIME = 3600  # seconds: an hour, the longest a revoked key's token can live


class TokenSettings(TypedDict):
    token_issuer: str
    token_audience: str
    token_lifetime_seconds: int
    token_signing_key: str
    token_next_key: str
    token_local_key: str
    token_reuse: bool
    token_signs_per_key_per_minute: int


def token_settings(env: Mapping[str, str]) -> TokenSettings:
    """The access-token settings (issue 15), kept in one block."""
    lifetime = int(env.get("LATCHKEY_TOKEN_LIFETIME_SECONDS", "300"))
    if not 1 <= lifetime <= MAX_TOKEN_LIFETIME:
        raise ValueError(f"LATCHKEY_TOKEN_LIFETIME_SECONDS must be 1-{MAX_TOKEN_LIFETIME}")
    signs = int(env.get("LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE", "60"))
    if signs < 0:
        raise ValueError("LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE must be 0 (no limit) or more")
    return {
        "token_issuer": env.get("LATCHKEY_TOKEN_ISSUER", "").rstrip("/"),
        "token_audience": env.get("LATCHKEY_TOKEN_AUDIENCE", ""),
        "token_lifetime_seconds": lifetime,
        "token_signing_key": env.get("LATCHKEY_TOKEN_SIGNING_KEY", ""),
        "token_next_key": env.get("LATCHKEY_TOKEN_NEXT_KEY", ""),
        "token_local_key": env.get("LATCHKEY_TOKEN_LOCAL_KEY", ""),
        # A still-fresh token for the same key and scope is answered again (no new Sign).
        "token_reuse": env.get("LATCHKEY_TOKEN_REUSE", "true").lower() != "false",
        "token_signs_per_key_per_minute": signs,
    }
