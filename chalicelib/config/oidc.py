"""OpenID Connect for people (the console and bearer tokens on ``/v1``): one issuer.

chalicelib/config/settings.py hands :meth:`OidcSettings.from_env` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def _default_roles() -> Mapping[str, str]:
    return {"Manage API credentials": "keys:manage", "Read API credentials": "keys:read"}


@dataclass(frozen=True)
class OidcSettings:
    """The issuer people sign in with, and the claims that name their tenant and roles."""

    # Empty: bearer tokens from people are refused.
    issuer: str = ""
    audience: str = ""
    # Default: the issuer's /.well-known/jwks.json (Amazon Cognito's layout).
    jwks_url: str = ""
    tenant_claim: str = "custom:tenant"
    roles_claim: str = "cognito:groups"
    # Role name -> permission; the product pages name the managing role this way.
    roles: Mapping[str, str] = field(default_factory=_default_roles)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OidcSettings:
        """The ``LATCHKEY_OIDC_*`` variables; the issuer loses a trailing slash."""
        default = cls()
        return cls(
            issuer=env.get("LATCHKEY_OIDC_ISSUER", "").rstrip("/"),
            audience=env.get("LATCHKEY_OIDC_AUDIENCE", ""),
            jwks_url=env.get("LATCHKEY_OIDC_JWKS_URL", ""),
            tenant_claim=env.get("LATCHKEY_OIDC_TENANT_CLAIM", default.tenant_claim),
            roles_claim=env.get("LATCHKEY_OIDC_ROLES_CLAIM", default.roles_claim),
            roles=parse_roles(env["LATCHKEY_OIDC_ROLES"])
            if "LATCHKEY_OIDC_ROLES" in env
            else default.roles,
        )


def parse_roles(text: str) -> dict[str, str]:
    """Parse ``"Role A=keys:manage;Role B=keys:read"`` (role names may hold spaces)."""
    roles: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        role, sep, permission = part.rpartition("=")
        if not sep or not role.strip() or not permission.strip():
            raise ValueError("LATCHKEY_OIDC_ROLES entries must look like ROLE=PERMISSION")
        roles[role.strip()] = permission.strip()
    return roles
