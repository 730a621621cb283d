"""The parts of Services that one or two routes need, built on first use (issue 13).

chalicelib/wiring/services.py's ``Services`` calls these from its lazy properties, so their
modules are imported only when such a route arrives: GET /v1/keys never loads the
authorizer's runtime or the leak modules (tests/unit/test_api_imports.py). Also the
operators' counter check, which no request handler needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings

if TYPE_CHECKING:
    from chalicelib.authorizer.runtime import Runtime
    from chalicelib.domain.counters import CounterCheck
    from chalicelib.domain.leaks import LeakService
    from chalicelib.domain.platform.keys import PlatformKeyService
    from chalicelib.domain.platform.tenants import PlatformTenants
    from chalicelib.wiring.services import Services

Clock = Callable[[], datetime]


def verify_runtime(services: Services) -> Runtime:
    """POST /v1/verify runs the authorizer's own decision, on the authorizer's store."""
    from chalicelib.authorizer.runtime import build_runtime
    from chalicelib.storage.hotpath import HotStore, dynamodb_client

    settings, session = services.settings, services.wiring.session
    hot_store = HotStore(settings, lambda: dynamodb_client(settings, session))
    # Issue 13: /v1/verify never caches keys: revocations happen in this Lambda, and its
    # answer must reflect them at once (the authorizer's Lambda caches; README, "The
    # authorizer").
    uncached = replace(settings, key_cache_seconds=0)
    return build_runtime(uncached, services.clock, store=hot_store, peppers=services.wiring.peppers)


def leak_service(services: Services) -> LeakService:
    """Leaked keys (chalicelib/domain/leaks.py, chalicelib/api/leaks.py)."""
    from chalicelib.domain.leaks import LeakPorts, LeakService
    from chalicelib.observability.counts import CountedLeaks
    from chalicelib.storage.leaks import LeakStore
    from chalicelib.wiring.notifiers import notifier_for

    settings, wiring = services.settings, services.wiring
    notifier = wiring.notifier or notifier_for(settings, settings.leak_topic_arn)
    ports = LeakPorts(
        wiring.key_store,
        services.verifier,
        wiring.tenant_store,
        services.keys,
        LeakStore(wiring.connection, wiring.audit),
        CountedLeaks(notifier),
    )
    return LeakService(wiring.tokens, ports, services.clock)


def platform_keys(services: Services) -> PlatformKeyService:
    """Platform keys (chalicelib/domain/platform/keys.py): their own token prefix, the same
    peppers as tenant keys, their own table."""
    from chalicelib.domain.key_format import TokenFormat
    from chalicelib.domain.platform.keys import PlatformKeyService
    from chalicelib.storage.platform_keys import PlatformKeyStore

    wiring = services.wiring
    return PlatformKeyService(
        PlatformKeyStore(wiring.connection, wiring.audit),
        wiring.peppers,
        TokenFormat(services.settings.platform_key_prefix),
        services.clock,
    )


def platform_tenants(services: Services) -> PlatformTenants:
    """The platform API's tenant operations, over the services' tenant store and the tenant
    list (chalicelib/storage/tenant_directory.py)."""
    from chalicelib.domain.platform.tenants import PlatformTenants
    from chalicelib.storage.tenant_directory import TenantDirectoryStore

    return PlatformTenants(
        services.tenants, services.wiring.tenant_store, TenantDirectoryStore(), services.clock
    )


# Issue 11: `latchkey tenants check` (for operators; no request handler needs it).
def build_counter_check(settings: Settings, clock: Clock = utc_now) -> CounterCheck:
    """The counter check and repair over ``settings``' tables, acting as the operator CLI."""
    from chalicelib.domain.counters import CounterCheck
    from chalicelib.domain.tenants import OPERATOR_ORIGIN
    from chalicelib.storage.audit import AuditWriter
    from chalicelib.storage.counter_check import CounterCheckStore
    from chalicelib.storage.models import bind_models, connection_for

    bind_models(settings)
    connection = connection_for(settings)
    audit = AuditWriter(timedelta(days=settings.audit_retention_days))
    return CounterCheck(CounterCheckStore(connection, audit), clock, OPERATOR_ORIGIN)
