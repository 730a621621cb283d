"""Builds Latchkey's services from settings: lazily, once per process, replaceable in tests.

Nothing here runs at import time. ``get_services()`` is what handlers call;
``set_services()`` lets a test (or the CLI) inject services built on other settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.api.cursor import Cursors
from chalicelib.authorizer.runtime import Runtime, build_runtime, peppers_for
from chalicelib.clock import utc_now
from chalicelib.domain.access import AccessControl, GroupCache
from chalicelib.domain.access_tokens import TokenIssuer, TokenRules
from chalicelib.domain.audit_log import AuditLog
from chalicelib.domain.counters import CounterCheck
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.groups import GroupService
from chalicelib.domain.keys import KeyService
from chalicelib.domain.leaks import LeakNotifier, LeakPorts, LeakService
from chalicelib.domain.tenants import OPERATOR_ORIGIN, TenantService
from chalicelib.domain.usage_reports import UsageReports
from chalicelib.domain.verification import Verifier
from chalicelib.identity.github_keys import GitHubKeys
from chalicelib.identity.oidc import OidcVerifier, build_oidc
from chalicelib.observability.counts import CountedLeaks
from chalicelib.observability.decisions import DecisionTelemetry
from chalicelib.observability.metrics import API
from chalicelib.settings import Settings, get_settings
from chalicelib.storage.audit import AuditStore, AuditWriter
from chalicelib.storage.counter_check import CounterCheckStore
from chalicelib.storage.groups import GroupStore
from chalicelib.storage.hotpath import HotStore, dynamodb_client
from chalicelib.storage.idempotency import IdempotencyStore
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.leaks import LeakStore
from chalicelib.storage.models import bind_models, connection_for
from chalicelib.storage.sessions import adopt, new_session
from chalicelib.storage.tenants import TenantStore
from chalicelib.storage.token_keys import TokenKeys, token_keys_for
from chalicelib.storage.usage import UsageStore
from chalicelib.tokens import TokenFormat

if TYPE_CHECKING:
    from chalicelib.domain.token_check import TokenChecker

Clock = Callable[[], datetime]


class AccessTokens:
    """The token endpoint's and ``/v1/verify``'s parts (issue 15), built on first use.

    Nothing here reads the key file or calls KMS until a token request, a JWKS request or a
    token to verify arrives, so a misconfigured key never breaks the management API.
    """

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        runtime: Runtime,
        verifier: Verifier,
        keys: TokenKeys | None = None,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._runtime = runtime
        self._verifier = verifier
        self._keys = keys

    @cached_property
    def keys(self) -> TokenKeys:
        return self._keys or token_keys_for(self.settings)

    @cached_property
    def issuer(self) -> TokenIssuer:
        settings = self.settings
        rules = TokenRules(
            settings.token_issuer,
            settings.token_audience_or_issuer,
            timedelta(seconds=settings.token_lifetime_seconds),
        )
        return TokenIssuer(
            rules,
            self._verifier,
            TokenFormat(settings.key_prefix),
            GroupCache(self._runtime.store, settings.group_cache_seconds),
            self._runtime.usage,
            self.keys.signer,
            self._clock,
        )

    @cached_property
    def checker(self) -> TokenChecker:
        from chalicelib.domain.token_check import TokenChecker

        settings = self.settings
        return TokenChecker(
            self.keys.published,
            settings.token_issuer,
            settings.token_audience_or_issuer,
            self._clock,
        )


@dataclass(frozen=True)
class Services:
    """Everything a request handler needs, built over one set of settings."""

    settings: Settings
    keys: KeyService
    groups: GroupService
    tenants: TenantService
    verifier: Verifier
    access: AccessControl
    usage: UsageReports
    idempotency: IdempotencyStore
    audit: AuditLog
    oidc: OidcVerifier | None = None
    # Signed pagination cursors (issue 11); None only where no listing is served.
    cursors: Cursors | None = None
    # Leaked keys (chalicelib/domain/leaks.py, chalicelib/api/leaks.py)
    leaks: LeakService | None = None
    github: GitHubKeys | None = None
    # None when no token issuer is configured: the token endpoints answer 404.
    tokens: AccessTokens | None = None
    # Operations (issue 17): POST /v1/verify's decision lines (JSON log + EMF).
    decisions: DecisionTelemetry = field(default_factory=lambda: DecisionTelemetry(API, "api"))
    # The one clock every service was built with: the edge asks it, never a service, the time.
    clock: Clock = utc_now


def build_services(
    settings: Settings,
    clock: Clock = utc_now,
    notifier: LeakNotifier | None = None,
    token_keys: TokenKeys | None = None,
) -> Services:
    """Wire stores, peppers and services for ``settings``.

    Tests may pass the leak notifier and the access tokens' keys.
    """
    # One botocore session for every model, the transaction connection and /v1/verify's
    # client: the service model is parsed once (chalicelib/storage/sessions.py).
    session = new_session()
    bind_models(settings, session)
    connection = connection_for(settings)
    adopt(connection, session)
    expiry = ExpiryPolicy(settings.expiry_thresholds_days)
    audit = AuditWriter(timedelta(days=settings.audit_retention_days))
    key_store = KeyStore(connection, expiry, audit)
    tenant_store = TenantStore(connection, audit)
    peppers = peppers_for(settings)
    tokens = TokenFormat(settings.key_prefix)
    keys = KeyService(
        key_store,
        tenant_store,
        peppers,
        tokens,
        clock,
        timedelta(days=settings.expiring_soon_days),
    )
    groups = GroupService(GroupStore(connection, audit, settings.default_group_limit), clock)
    tenants = TenantService(tenant_store, groups, keys, clock, settings.default_key_limit)
    verifier = Verifier(tokens, key_store, peppers, clock)
    # POST /v1/verify runs the authorizer's own decision, on the authorizer's store.
    hot_store = HotStore(settings, lambda: dynamodb_client(settings, session))
    runtime = build_runtime(settings, clock, store=hot_store, peppers=peppers)
    access = runtime.control
    oidc = build_oidc(settings, clock)
    idempotency = IdempotencyStore(timedelta(hours=24))
    leak_ports = LeakPorts(
        key_store,
        verifier,
        tenant_store,
        keys,
        LeakStore(connection, audit),
        CountedLeaks(notifier or leak_notifier(settings)),
    )
    return Services(
        settings,
        keys,
        groups,
        tenants,
        verifier,
        access,
        UsageReports(UsageStore(), keys),
        idempotency,
        AuditLog(AuditStore()),
        oidc,
        Cursors(peppers),
        LeakService(tokens, leak_ports, clock),
        GitHubKeys(settings.github_keys_url),
        AccessTokens(settings, clock, runtime, verifier, token_keys)
        if settings.token_issuer
        else None,
        clock=clock,
    )


def leak_notifier(settings: Settings) -> LeakNotifier:
    """Leaked keys: EventBridge and SNS in AWS; in memory against a local store."""
    from chalicelib.notify import AwsNotifier, RecordingNotifier

    if settings.dynamodb_endpoint is not None:
        return RecordingNotifier()

    def client(name: str) -> Callable[[], Any]:
        def make() -> Any:
            import boto3

            return boto3.client(name, region_name=settings.region)

        return make

    return AwsNotifier(settings.event_bus, settings.leak_topic_arn, client("events"), client("sns"))


_services: Services | None = None


def get_services() -> Services:
    """The process's services, built on first use from the environment's settings."""
    global _services
    if _services is None:
        _services = build_services(get_settings())
    return _services


def set_services(services: Services | None) -> None:
    """Replace (or with None, forget) the process's services."""
    global _services
    _services = services


# Issue 11: `latchkey tenants check` (for operators; no request handler needs it).
def build_counter_check(settings: Settings, clock: Clock = utc_now) -> CounterCheck:
    """The counter check and repair over ``settings``' tables, acting as the operator CLI."""
    bind_models(settings)
    connection = connection_for(settings)
    audit = AuditWriter(timedelta(days=settings.audit_retention_days))
    return CounterCheck(CounterCheckStore(connection, audit), clock, OPERATOR_ORIGIN)
