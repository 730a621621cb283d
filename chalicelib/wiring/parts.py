"""The parts of Services that one or two routes need, built on first use.

chalicelib/wiring/services.py's ``Services`` calls these from its lazy properties, so their
modules are imported only when such a route arrives: GET /v1/keys never loads the
authorizer's runtime or the leak modules (tests/unit/test_api_imports.py). Also the
operators' counter check, which no request handler needs.

Each builder takes the parts it uses as arguments (the shared :class:`Wiring`, a service, the
clock), never the whole ``Services``: this module does not know services.py, which imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings

if TYPE_CHECKING:
    import botocore.session
    from pynamodb.connection import Connection

    from chalicelib.authorizer.runtime import Runtime
    from chalicelib.domain.counters import CounterCheck
    from chalicelib.domain.key_format import KeyFormat
    from chalicelib.domain.keys import KeyService
    from chalicelib.domain.leaks import LeakNotifier, LeakService
    from chalicelib.domain.peppers import PepperSource
    from chalicelib.domain.platform.keys import PlatformKeyService
    from chalicelib.domain.platform.tenants import PlatformTenants
    from chalicelib.domain.tenants import TenantService
    from chalicelib.domain.verification import Verifier
    from chalicelib.domain.webhook_urls import Resolver
    from chalicelib.storage.audit import AuditWriter
    from chalicelib.storage.keys import KeyStore
    from chalicelib.storage.tenants import TenantStore
    from chalicelib.storage.token_keys import TokenKeys

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Wiring:
    """What the lazily built parts share with the services: one connection, one session."""

    session: botocore.session.Session
    connection: Connection
    audit: AuditWriter
    key_store: KeyStore
    tenant_store: TenantStore
    peppers: PepperSource
    key_format: KeyFormat
    # Tests may pass the leak notifier and the access tokens' keys.
    notifier: LeakNotifier | None = None
    token_keys: TokenKeys | None = None
    # Tests resolve webhook hosts without DNS; None: the system resolver.
    webhook_resolver: Resolver | None = None


def verify_runtime(settings: Settings, wiring: Wiring, clock: Clock) -> Runtime:
    """POST /v1/verify runs the authorizer's own decision, on the authorizer's store."""
    from chalicelib.authorizer.runtime import build_runtime
    from chalicelib.storage.hotpath import HotStore, dynamodb_client

    session = wiring.session
    hot_store = HotStore(settings, lambda: dynamodb_client(settings, session))
    # /v1/verify never caches keys: revocations happen in this Lambda, and its
    # answer must reflect them at once (the authorizer's Lambda caches; README, "The
    # authorizer").
    uncached = replace(settings, scale=replace(settings.scale, key_cache_seconds=0))
    return build_runtime(uncached, clock, store=hot_store, peppers=wiring.peppers)


def leak_service(
    settings: Settings, wiring: Wiring, verifier: Verifier, keys: KeyService, clock: Clock
) -> LeakService:
    """Leaked keys (chalicelib/domain/leaks.py, chalicelib/api/leaks.py)."""
    from chalicelib.domain.leaks import LeakPorts, LeakService
    from chalicelib.observability.event_metrics import CountedLeaks
    from chalicelib.storage.leaks import LeakStore
    from chalicelib.wiring.notifiers import notifier_for

    notifier = wiring.notifier or notifier_for(settings, settings.leaks.topic_arn)
    ports = LeakPorts(
        wiring.key_store,
        verifier,
        wiring.tenant_store,
        keys,
        LeakStore(wiring.connection, wiring.audit),
        CountedLeaks(notifier),
    )
    return LeakService(wiring.key_format, ports, clock)


def platform_keys(settings: Settings, wiring: Wiring, clock: Clock) -> PlatformKeyService:
    """Platform keys (chalicelib/domain/platform/keys.py): their own token prefix, the same
    peppers as tenant keys, their own table."""
    from chalicelib.domain.key_format import KeyFormat
    from chalicelib.domain.platform.keys import PlatformKeyService
    from chalicelib.storage.platform_keys import PlatformKeyStore

    return PlatformKeyService(
        PlatformKeyStore(wiring.connection, wiring.audit),
        wiring.peppers,
        KeyFormat(settings.keys.platform_prefix),
        clock,
    )


def platform_tenants(tenants: TenantService, wiring: Wiring, clock: Clock) -> PlatformTenants:
    """The platform API's tenant operations, over the services' tenant store and the tenant
    list (chalicelib/storage/tenant_directory.py)."""
    from chalicelib.domain.platform.tenants import PlatformTenants
    from chalicelib.storage.tenant_directory import TenantDirectoryStore

    return PlatformTenants(tenants, wiring.tenant_store, TenantDirectoryStore(), clock)


# `latchkey tenants check` (for operators; no request handler needs it).
def build_counter_check(settings: Settings, clock: Clock = utc_now) -> CounterCheck:
    """The counter check and repair over ``settings``' tables, acting as the operator CLI."""
    from chalicelib.domain.counters import CounterCheck
    from chalicelib.domain.tenants import OPERATOR_ORIGIN
    from chalicelib.storage.audit import AuditWriter
    from chalicelib.storage.counter_check import CounterCheckStore
    from chalicelib.storage.models import bind_models, connection_for

    bind_models(settings)
    connection = connection_for(settings)
    audit = AuditWriter(timedelta(days=settings.dynamodb.audit_retention_days))
    return CounterCheck(CounterCheckStore(connection, audit), clock, OPERATOR_ORIGIN)
