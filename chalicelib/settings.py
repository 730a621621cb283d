"""The one typed settings object, read from the environment once.

Nothing else in Latchkey reads ``os.environ``. Chalice stages set these variables in
``.chalice/config.json``; ``make dev`` and the tests set them for the local store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TypedDict

DEFAULT_KEY_PREFIX = "lk_live"
TRUE = frozenset({"1", "true", "yes", "on"})
GITHUB_KEYS_URL = "https://api.github.com/meta/public_keys/secret_scanning"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one Latchkey deployment."""

    stage: str = "local"
    key_prefix: str = DEFAULT_KEY_PREFIX
    keys_table: str = "latchkey-keys"
    groups_table: str = "latchkey-groups"
    tenants_table: str = "latchkey-tenants"
    region: str = "us-east-1"
    # DynamoDB Local (or any endpoint); None means the real AWS endpoint.
    dynamodb_endpoint: str | None = None
    # Local peppers as "VERSION:VALUE,VERSION:VALUE"; the highest version signs new secrets.
    local_peppers: Mapping[int, bytes] = field(default_factory=dict)
    # In AWS: the SSM SecureString parameter holding the pepper (its versions are ours).
    pepper_parameter: str | None = None
    default_key_limit: int = 10
    expiring_soon_days: int = 7
    usage_table: str = "latchkey-usage"
    idempotency_table: str = "latchkey-idempotency"
    audit_table: str = "latchkey-audit"
    audit_retention_days: int = 400
    # The authorizer writes usage behind: at most once per key per this many seconds.
    usage_flush_seconds: int = 60
    # How long the authorizer trusts a cached group (its permissions and routes).
    group_cache_seconds: int = 30
    # HTTP APIs configured with simple responses get {isAuthorized, context}.
    simple_responses: bool = False
    # "authorizer" on the authorizer's Lambda: app.py then skips the management API's
    # imports, which the authorizer never uses (cold start).
    role: str = "all"
    # OpenID Connect for people: one issuer; empty means bearer tokens are refused.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    # Default: the issuer's /.well-known/jwks.json (Amazon Cognito's layout).
    oidc_jwks_url: str = ""
    oidc_tenant_claim: str = "custom:tenant"
    oidc_roles_claim: str = "cognito:groups"
    # Role name -> permission; the product pages name the managing role this way.
    oidc_roles: Mapping[str, str] = field(
        default_factory=lambda: {
            "Manage API credentials": "keys:manage",
            "Read API credentials": "keys:read",
        }
    )
    # Expiry sweep: days before expiry to warn at, largest first; 0 (expired) is always one.
    expiry_thresholds_days: tuple[int, ...] = (30, 7, 1, 0)
    event_bus: str = "default"
    # The SNS topic for the per-tenant digest; None sends no digest.
    expiry_topic_arn: str | None = None
    sweep_schedule: str = "rate(1 hour)"
    # Operations (issue 17): how long PynamoDB waits to connect and how often it retries.
    # None keeps PynamoDB's defaults (15 s, 3 retries) for the Lambdas; the operator CLI
    # sets them low, so a wrong endpoint fails in seconds with a message, not a minute.
    dynamodb_connect_timeout_seconds: int | None = None
    dynamodb_max_retries: int | None = None
    # Access tokens (OAuth 2.0 client credentials, issue 15). The issuer is configuration,
    # never a request's Host header; empty means the token endpoint is switched off.
    token_issuer: str = ""
    # The ``aud`` of every token; empty means the issuer itself.
    token_audience: str = ""
    # Seconds a token lives (never past its key's expiry); at most MAX_TOKEN_LIFETIME.
    token_lifetime_seconds: int = 300
    # In AWS: the KMS key (id or ARN) that signs, and an optional second published key.
    token_signing_key: str = ""
    token_next_key: str = ""
    # Locally: a PEM private key (``make dev`` writes one into .local/).
    token_local_key: str = ""

    @property
    def token_audience_or_issuer(self) -> str:
        return self.token_audience or self.token_issuer

    @property
    def tokens_enabled(self) -> bool:
        return bool(self.token_issuer and (self.token_signing_key or self.token_local_key))

    # The console (issue 14). Its OpenID Connect client (authorization code + PKCE against
    # oidc_issuer); empty: the console offers only the admin-key sign-in.
    console_client_id: str = ""
    # Origins the console's page may fetch besides its own: the issuer's always; Cognito's
    # token endpoint lives on the hosted UI's domain, another origin, which goes here.
    console_connect_origins: tuple[str, ...] = ()
    # Who may frame the console (CSP frame-ancestors): 'none', or the vendor's origins.
    console_frame_ancestors: str = "'none'"
    # White label: the product's name, its logo (a same-origin path or a data: image URL)
    # and the accent colour (#rrggbb).
    console_product_name: str = "Latchkey"
    console_logo_url: str = ""
    console_accent: str = "#1d4ed8"
    # Groups per tenant unless an operator sets the tenant's own (issue 11).
    default_group_limit: int = 50
    # Leaked keys (docs/secret-scanning.md): GitHub's published signing keys (https, or
    # file:// locally and in tests), and the SNS topic for leak messages (None: events only).
    github_keys_url: str = GITHUB_KEYS_URL
    leak_topic_arn: str | None = None
    # Expiry sweep at scale (issue 13, docs/expiry-sweep.md): the due-index's write shards
    # (a key's shard is a stable hash of its id mod this; only ever raise it) and the
    # threads one run queries and records them with, and the keys recorded per request.
    sweep_shards: int = 16
    sweep_workers: int = 16
    sweep_batch: int = 25

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``LATCHKEY_*`` variables; unset ones keep their defaults."""
        env = os.environ if env is None else env
        base = cls()
        settings = cls(
            stage=env.get("LATCHKEY_STAGE", base.stage),
            key_prefix=env.get("LATCHKEY_KEY_PREFIX", base.key_prefix),
            keys_table=env.get("LATCHKEY_KEYS_TABLE", base.keys_table),
            groups_table=env.get("LATCHKEY_GROUPS_TABLE", base.groups_table),
            tenants_table=env.get("LATCHKEY_TENANTS_TABLE", base.tenants_table),
            region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", base.region)),
            dynamodb_endpoint=env.get("LATCHKEY_DYNAMODB_ENDPOINT") or None,
            local_peppers=parse_peppers(env.get("LATCHKEY_PEPPERS", "")),
            pepper_parameter=env.get("LATCHKEY_PEPPER_PARAMETER") or None,
            default_key_limit=int(env.get("LATCHKEY_DEFAULT_KEY_LIMIT", base.default_key_limit)),
            expiring_soon_days=int(env.get("LATCHKEY_EXPIRING_SOON_DAYS", base.expiring_soon_days)),
            usage_table=env.get("LATCHKEY_USAGE_TABLE", base.usage_table),
            idempotency_table=env.get("LATCHKEY_IDEMPOTENCY_TABLE", base.idempotency_table),
            audit_table=env.get("LATCHKEY_AUDIT_TABLE", base.audit_table),
            audit_retention_days=int(
                env.get("LATCHKEY_AUDIT_RETENTION_DAYS", base.audit_retention_days)
            ),
            usage_flush_seconds=int(
                env.get("LATCHKEY_USAGE_FLUSH_SECONDS", base.usage_flush_seconds)
            ),
            group_cache_seconds=int(
                env.get("LATCHKEY_GROUP_CACHE_SECONDS", base.group_cache_seconds)
            ),
            simple_responses=env.get("LATCHKEY_SIMPLE_RESPONSES", "").lower() in TRUE,
            role=env.get("LATCHKEY_ROLE", base.role),
            oidc_issuer=env.get("LATCHKEY_OIDC_ISSUER", "").rstrip("/"),
            oidc_audience=env.get("LATCHKEY_OIDC_AUDIENCE", ""),
            oidc_jwks_url=env.get("LATCHKEY_OIDC_JWKS_URL", ""),
            oidc_tenant_claim=env.get("LATCHKEY_OIDC_TENANT_CLAIM", base.oidc_tenant_claim),
            oidc_roles_claim=env.get("LATCHKEY_OIDC_ROLES_CLAIM", base.oidc_roles_claim),
            oidc_roles=parse_roles(env["LATCHKEY_OIDC_ROLES"])
            if "LATCHKEY_OIDC_ROLES" in env
            else base.oidc_roles,
            expiry_thresholds_days=parse_thresholds(
                env.get("LATCHKEY_EXPIRY_THRESHOLDS_DAYS", "30,7,1,0")
            ),
            event_bus=env.get("LATCHKEY_EVENT_BUS") or base.event_bus,
            expiry_topic_arn=env.get("LATCHKEY_EXPIRY_TOPIC_ARN") or None,
            sweep_schedule=env.get("LATCHKEY_SWEEP_SCHEDULE") or base.sweep_schedule,
            dynamodb_connect_timeout_seconds=_optional_int(
                env.get("LATCHKEY_DYNAMODB_CONNECT_TIMEOUT_SECONDS")
            ),
            dynamodb_max_retries=_optional_int(env.get("LATCHKEY_DYNAMODB_MAX_RETRIES")),
            default_group_limit=int(
                env.get("LATCHKEY_DEFAULT_GROUP_LIMIT", base.default_group_limit)
            ),
            github_keys_url=env.get("LATCHKEY_GITHUB_KEYS_URL") or base.github_keys_url,
            leak_topic_arn=env.get("LATCHKEY_LEAK_TOPIC_ARN") or None,
            sweep_shards=_positive(env, "LATCHKEY_SWEEP_SHARDS", base.sweep_shards),
            sweep_workers=_positive(env, "LATCHKEY_SWEEP_WORKERS", base.sweep_workers),
            sweep_batch=_positive(env, "LATCHKEY_SWEEP_BATCH", base.sweep_batch),
            **_token_settings(env),
        )
        return with_console(settings, env)


def _optional_int(text: str | None) -> int | None:
    return int(text) if text else None


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    """Expiry sweep (issue 13): a whole number of at least 1."""
    value = int(env.get(name) or default)
    if value < 1:
        raise ValueError(f"{name} must be at least 1")
    return value


MAX_TOKEN_LIFETIME = 3600  # seconds: an hour, the longest a revoked key's token can live


class _TokenSettings(TypedDict):
    token_issuer: str
    token_audience: str
    token_lifetime_seconds: int
    token_signing_key: str
    token_next_key: str
    token_local_key: str


def _token_settings(env: Mapping[str, str]) -> _TokenSettings:
    """The access-token settings (issue 15), kept in one block."""
    lifetime = int(env.get("LATCHKEY_TOKEN_LIFETIME_SECONDS", "300"))
    if not 1 <= lifetime <= MAX_TOKEN_LIFETIME:
        raise ValueError(f"LATCHKEY_TOKEN_LIFETIME_SECONDS must be 1-{MAX_TOKEN_LIFETIME}")
    return {
        "token_issuer": env.get("LATCHKEY_TOKEN_ISSUER", "").rstrip("/"),
        "token_audience": env.get("LATCHKEY_TOKEN_AUDIENCE", ""),
        "token_lifetime_seconds": lifetime,
        "token_signing_key": env.get("LATCHKEY_TOKEN_SIGNING_KEY", ""),
        "token_next_key": env.get("LATCHKEY_TOKEN_NEXT_KEY", ""),
        "token_local_key": env.get("LATCHKEY_TOKEN_LOCAL_KEY", ""),
    }


def parse_peppers(text: str) -> dict[int, bytes]:
    """Parse ``"1:first,2:second"`` into ``{1: b"first", 2: b"second"}``."""
    peppers: dict[int, bytes] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        version, sep, value = part.partition(":")
        if not sep or not version.isdigit() or not value:
            raise ValueError("LATCHKEY_PEPPERS entries must look like VERSION:VALUE")
        peppers[int(version)] = value.encode()
    return peppers


def parse_roles(text: str) -> dict[str, str]:
    """Parse ``"Role A=keys:manage;Role B=keys:read"`` (role names may hold spaces)."""
    roles: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        role, sep, permission = part.rpartition("=")
        if not sep or not role.strip() or not permission.strip():
            raise ValueError("LATCHKEY_OIDC_ROLES entries must look like ROLE=PERMISSION")
        roles[role.strip()] = permission.strip()
    return roles


def parse_thresholds(text: str) -> tuple[int, ...]:
    """Parse ``"30,7,1"`` into ``(30, 7, 1, 0)``: distinct, largest first, 0 always included.

    0 is forced in because the expired threshold is what frees a key's slot of the limit.
    """
    days = {0}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if not part.isdigit():
            raise ValueError("LATCHKEY_EXPIRY_THRESHOLDS_DAYS must list whole days, e.g. 30,7,1,0")
        days.add(int(part))
    return tuple(sorted(days, reverse=True))


# The console's settings (issue 14), each checked here so a bad value stops the app at its
# first request rather than reaching a page as markup or CSS.
ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
FRAME_SOURCE = re.compile(r"^('none'|'self'|https://[A-Za-z0-9.\-*]+(:[0-9]{1,5})?)$")
LOGO_DATA = re.compile(r"^data:image/(png|svg\+xml|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$")


def with_console(settings: Settings, env: Mapping[str, str]) -> Settings:
    """``settings`` with the ``LATCHKEY_CONSOLE_*`` variables, validated."""
    return replace(
        settings,
        console_client_id=env.get("LATCHKEY_CONSOLE_CLIENT_ID", ""),
        console_connect_origins=parse_origins(env.get("LATCHKEY_CONSOLE_CONNECT_ORIGINS", "")),
        console_frame_ancestors=parse_frame_ancestors(
            env.get("LATCHKEY_CONSOLE_FRAME_ANCESTORS") or settings.console_frame_ancestors
        ),
        console_product_name=env.get("LATCHKEY_CONSOLE_PRODUCT_NAME")
        or settings.console_product_name,
        console_logo_url=parse_logo(env.get("LATCHKEY_CONSOLE_LOGO_URL", "")),
        console_accent=parse_accent(env.get("LATCHKEY_CONSOLE_ACCENT") or settings.console_accent),
    )


def parse_accent(text: str) -> str:
    """A colour as ``#rrggbb``: anything else could break out of the stylesheet it sits in."""
    if not ACCENT.match(text):
        raise ValueError("LATCHKEY_CONSOLE_ACCENT must be a colour like #1d4ed8")
    return text.lower()


def parse_origins(text: str) -> tuple[str, ...]:
    """Space-separated origins such as ``https://auth.example.com`` (no path, no wildcard)."""
    origins = tuple(text.split())
    for origin in origins:
        if not ORIGIN.match(origin):
            raise ValueError("LATCHKEY_CONSOLE_CONNECT_ORIGINS lists origins like https://host")
    return origins


def parse_frame_ancestors(text: str) -> str:
    """``'none'``, ``'self'`` or https origins, space-separated: a CSP source list."""
    sources = text.split()
    if not sources or not all(FRAME_SOURCE.match(source) for source in sources):
        raise ValueError(
            "LATCHKEY_CONSOLE_FRAME_ANCESTORS must be 'none', 'self' or https:// origins"
        )
    return " ".join(sources)


def parse_logo(text: str) -> str:
    """A same-origin path (``/static/logo.svg``) or a ``data:image/...;base64,`` URL."""
    if not text:
        return ""
    same_origin = text.startswith("/") and not text.startswith("//") and "\\" not in text
    if not (same_origin or LOGO_DATA.match(text)):
        raise ValueError("LATCHKEY_CONSOLE_LOGO_URL must be a same-origin path or a data: image")
    return text


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return Settings.from_env()
