"""Builds Latchkey's services from settings: lazily, once per process, replaceable in tests.

Nothing here runs at import time. ``get_services()`` is what handlers call;
``set_services()`` lets a test (or the CLI) inject services built on other settings. The
access tokens' parts (container_tokens.py) and the notifiers (notifiers.py) are wired
beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from chalicelib.api.cursor import Cursors
from chalicelib.authorizer.runtime import build_runtime, peppers_for
from chalicelib.clock import utc_now
from chalicelib.container_tokens import AccessTokens
from chalicelib.domain.access import AccessControl
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
from chalicelib.notifiers import notifier_for
from chalicelib.observability.counts import CountedLeaks
from chalicelib.observability.decisions import DecisionTelemetry
from chalicelib.observability.metrics import API
from chalicelib.settings import Settings, get_settings
from chalicelib.singleton import ProcessSingleton
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
from chalicelib.storage.token_keys import TokenKeys
from chalicelib.storage.usage import UsageStore
from chalicelib.tokens import TokenFormat

Clock = Callable[[], datetime]


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
    key_store = KeyStore(connection, audit)
    tenant_store = TenantStore(connection, audit)
    peppers = peppers_for(settings)
    tokens = TokenFormat(settings.key_prefix)
    keys = KeyService(
        key_store,
        peppers,
        tokens,
        clock,
        timedelta(days=settings.expiring_soon_days),
        expiry,
    )
    groups = GroupService(GroupStore(connection, audit, settings.default_group_limit), clock)
    tenants = TenantService(tenant_store, groups, keys, clock, settings.default_key_limit)
    verifier = Verifier(tokens, key_store, peppers, clock)
    # POST /v1/verify runs the authorizer's own decision, on the authorizer's store.
    hot_store = HotStore(settings, lambda: dynamodb_client(settings, session))
    # Issue 13: /v1/verify never caches keys: revocations happen in this Lambda, and its
    # answer must reflect them at once (the authorizer's Lambda caches; README, "The authorizer").
    uncached = replace(settings, key_cache_seconds=0)
    runtime = build_runtime(uncached, clock, store=hot_store, peppers=peppers)
    access = runtime.control
    oidc = build_oidc(settings, clock)
    idempotency = IdempotencyStore(timedelta(hours=24))
    leak_ports = LeakPorts(
        key_store,
        verifier,
        tenant_store,
        keys,
        LeakStore(connection, audit),
        CountedLeaks(notifier or notifier_for(settings, settings.leak_topic_arn)),
    )
    return Services(
        settings,
        keys,
        groups,
        tenants,
        verifier,
        access,
        UsageReports(UsageStore(settings.usage_total_shards), keys),
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


_services: ProcessSingleton[Services] = ProcessSingleton(
    lambda: build_services(get_settings())
)


def get_services() -> Services:
    """The process's services, built on first use from the environment's settings."""
    return _services.get()


def set_services(services: Services | None) -> None:
    """Replace (or with None, forget) the process's services."""
    _services.set(services)


# Issue 11: `latchkey tenants check` (for operators; no request handler needs it).
def build_counter_check(settings: Settings, clock: Clock = utc_now) -> CounterCheck:
    """The counter check and repair over ``settings``' tables, acting as the operator CLI."""
    bind_models(settings)
    connection = connection_for(settings)
    audit = AuditWriter(timedelta(days=settings.audit_retention_days))
    return CounterCheck(CounterCheckStore(connection, audit), clock, OPERATOR_ORIGIN)
