"""The access tokens' part of the settings (OAuth 2.0 client credentials).

chalicelib/config/settings.py hands :meth:`AccessTokenSettings.from_env` the environment it
reads; nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_TOKEN_LIFETIME = 3600  # seconds: an hour, the longest a revoked key's token can live


@dataclass(frozen=True)
class AccessTokenSettings:
    """Who issues the tokens, for whom, for how long, and with which signing key."""

    # The issuer is configuration, never a request's Host header; empty means the token
    # endpoint is switched off.
    issuer: str = ""
    # The ``aud`` of every token; empty means the issuer itself.
    audience: str = ""
    # Seconds a token lives (never past its key's expiry); at most MAX_TOKEN_LIFETIME.
    lifetime_seconds: int = 300
    # In AWS: the KMS key (id or ARN) that signs, and an optional second published key.
    signing_key: str = ""
    next_key: str = ""
    # Locally: a PEM private key (``make dev`` writes one into .local/).
    local_key: str = ""
    # What one key may spend on KMS signatures (chalicelib/domain/token_bound.py): a
    # still-fresh token for the same key and scope answered again, and at most this many
    # new tokens a minute per key and container (0: no limit).
    reuse: bool = True
    signs_per_key_per_minute: int = 60

    @property
    def audience_or_issuer(self) -> str:
        return self.audience or self.issuer

    @property
    def latchkey_audience(self) -> str:
        """The ``aud`` of tokens only Latchkey may accept (a key with an allowlist, or a
        group that narrows routes): API Gateway's JWT authorizer, configured with the
        public audience, refuses them, since it checks neither routes nor addresses."""
        return f"{self.audience_or_issuer}#latchkey-only"

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and (self.signing_key or self.local_key))

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AccessTokenSettings:
        """The ``LATCHKEY_TOKEN_*`` variables; the lifetime must be 1-3600 seconds."""
        default = cls()
        lifetime = int(env.get("LATCHKEY_TOKEN_LIFETIME_SECONDS", default.lifetime_seconds))
        if not 1 <= lifetime <= MAX_TOKEN_LIFETIME:
            raise ValueError(f"LATCHKEY_TOKEN_LIFETIME_SECONDS must be 1-{MAX_TOKEN_LIFETIME}")
        signs = int(
            env.get("LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE", default.signs_per_key_per_minute)
        )
        if signs < 0:
            raise ValueError("LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE must be 0 (no limit) or more")
        return cls(
            issuer=env.get("LATCHKEY_TOKEN_ISSUER", "").rstrip("/"),
            audience=env.get("LATCHKEY_TOKEN_AUDIENCE", ""),
            lifetime_seconds=lifetime,
            signing_key=env.get("LATCHKEY_TOKEN_SIGNING_KEY", ""),
            next_key=env.get("LATCHKEY_TOKEN_NEXT_KEY", ""),
            local_key=env.get("LATCHKEY_TOKEN_LOCAL_KEY", ""),
            reuse=env.get("LATCHKEY_TOKEN_REUSE", "true").lower() != "false",
            signs_per_key_per_minute=signs,
        )
