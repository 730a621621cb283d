"""The one typed settings object, read from the environment once.

Nothing else in Latchkey reads ``os.environ``. Chalice stages set these variables in
``.chalice/config.json``; ``make dev`` and the tests set them for the local store. The
variables' text formats (formats.py), the console's checked values (console.py), the
access-token block (access_tokens.py), the key cache and usage shards (scale.py) and the
sweep's block (sweep.py) live beside this module in chalicelib/config/; they read only the
mapping handed to them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from chalicelib.config.access_tokens import token_settings
from chalicelib.config.console import with_console
from chalicelib.config.formats import (
    optional_int,
    parse_peppers,
    parse_roles,
    parse_thresholds,
)
from chalicelib.config.platform import platform_settings
from chalicelib.config.scale import scale_settings
from chalicelib.config.sweep import sweep_settings

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
    # Issue 13, usage and hot keys (chalicelib/domain/key_cache.py, storage/usage.py):
    # how long an authorizer container trusts a cached key record (0: never caches; the
    # revocation bound grows by this much), and how many keys and groups it may hold.
    key_cache_seconds: float = 5.0
    key_cache_entries: int = 5000
    group_cache_entries: int = 1000
    # Each tenant's daily usage totals are spread over this many items, each taking at most
    # 1,000 WCU/s: a tenant-day absorbs up to shards x 1,000 flushes a second (docs/scale.md's
    # busiest tenant flushes ~16,700 a second: 20 leaves room).
    usage_total_shards: int = 20
    # Expiry sweep at scale (issue 13, docs/expiry-sweep.md): the due-index's write shards
    # (a key's shard is a stable hash of its id mod this; only ever raise it), the threads
    # one run reads, records and sends with, and the keys recorded per request.
    sweep_shards: int = 16
    sweep_workers: int = 16
    sweep_batch: int = 25
    # The provider's side (chalicelib/config/platform.py): the platform keys' table, and
    # the OpenID Connect role values (in ``platform_role_claim``) of platform staff who
    # manage (``platform_role``) or only read (``platform_read_role``); empty: nobody.
    platform_keys_table: str = "latchkey-platform-keys"
    platform_role: str = ""
    platform_read_role: str = ""
    platform_role_claim: str = "cognito:groups"

    @property
    def platform_key_prefix(self) -> str:
        """Platform keys' token prefix: the stage's with ``_platform``, so a tenant key's
        parser refuses a platform key offline and a scanner can tell the two apart."""
        return f"{self.key_prefix}_platform"

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
            dynamodb_connect_timeout_seconds=optional_int(
                env.get("LATCHKEY_DYNAMODB_CONNECT_TIMEOUT_SECONDS")
            ),
            dynamodb_max_retries=optional_int(env.get("LATCHKEY_DYNAMODB_MAX_RETRIES")),
            default_group_limit=int(
                env.get("LATCHKEY_DEFAULT_GROUP_LIMIT", base.default_group_limit)
            ),
            github_keys_url=env.get("LATCHKEY_GITHUB_KEYS_URL") or base.github_keys_url,
            leak_topic_arn=env.get("LATCHKEY_LEAK_TOPIC_ARN") or None,
            **token_settings(env),
            **scale_settings(env),
            **sweep_settings(env),
            **platform_settings(env),
        )
        return with_console(settings, env)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return Settings.from_env()
