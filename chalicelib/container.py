"""Builds Latchkey's services from settings: lazily, once per process, replaceable in tests.

Nothing here runs at import time. ``get_services()`` is what handlers call;
``set_services()`` lets a test (or the CLI) inject services built on other settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.connection import Connection

from chalicelib.api.cursor import Cursors
from chalicelib.api.oidc import OidcVerifier, build_oidc
from chalicelib.authorizer.runtime import build_runtime, peppers_for
from chalicelib.clock import utc_now
from chalicelib.domain.access import AccessControl
from chalicelib.domain.counters import CounterCheck
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.groups import GroupService
from chalicelib.domain.keys import KeyService
from chalicelib.domain.tenants import OPERATOR_ORIGIN, TenantService
from chalicelib.domain.verification import Verifier
from chalicelib.settings import Settings, get_settings
from chalicelib.storage.audit import AuditStore, AuditWriter
from chalicelib.storage.counter_check import CounterCheckStore
from chalicelib.storage.groups import GroupStore
from chalicelib.storage.hotpath import HotStore, dynamodb_client
from chalicelib.storage.idempotency import IdempotencyStore
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.models import bind_models
from chalicelib.storage.sessions import adopt, new_session
from chalicelib.storage.tenants import TenantStore
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
    usage: UsageStore
    idempotency: IdempotencyStore
    audit: AuditStore
    oidc: OidcVerifier | None = None
    # Signed pagination cursors (issue 11); None only where no listing is served.
    cursors: Cursors | None = None


def build_services(settings: Settings, clock: Clock = utc_now) -> Services:
    """Wire stores, peppers and services for ``settings``."""
    # One botocore session for every model, the transaction connection and /v1/verify's
    # client: the service model is parsed once (chalicelib/storage/sessions.py).
    session = new_session()
    bind_models(settings, session)
    connection = Connection(region=settings.region, host=settings.dynamodb_endpoint)
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
    access = build_runtime(settings, clock, store=hot_store, peppers=peppers).control
    oidc = build_oidc(settings, clock)
    idempotency = IdempotencyStore(timedelta(hours=24))
    return Services(
        settings,
        keys,
        groups,
        tenants,
        verifier,
        access,
        UsageStore(),
        idempotency,
        AuditStore(),
        oidc,
        Cursors(peppers),
    )


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
    connection = Connection(region=settings.region, host=settings.dynamodb_endpoint)
    audit = AuditWriter(timedelta(days=settings.audit_retention_days))
    return CounterCheck(CounterCheckStore(connection, audit), clock, OPERATOR_ORIGIN)
