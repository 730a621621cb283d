"""Builds Latchkey's services from settings: lazily, once per process, replaceable in tests.

Nothing here runs at import time. ``get_services()`` is what handlers call;
``set_services()`` lets a test (or the CLI) inject services built on other settings. The
access tokens' parts (access_tokens.py), the other parts built on first use and the
operators' counter check (parts.py), and the notifiers (notifiers.py) are wired beside it
in chalicelib/wiring/.

what every route needs (keys, groups, tenants, the verifier, the
audit trail, cursors) is built with the services; the parts of one or two routes
(/v1/verify's decision, usage reports, leaks, GitHub's keys, access tokens) are built, and
their modules imported, on first use, so GET /v1/keys never loads the authorizer's runtime,
the leak or token modules (tests/unit/test_api_imports.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.api.cursor import Cursors
from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings, get_settings
from chalicelib.domain.audit_log import AuditLog
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.groups import GroupService
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.keys import KeyService
from chalicelib.domain.tenants import TenantService
from chalicelib.domain.verification import Verifier
from chalicelib.identity.oidc import OidcVerifier, build_oidc
from chalicelib.storage.audit import AuditStore, AuditWriter
from chalicelib.storage.groups import GroupStore
from chalicelib.storage.idempotency import IdempotencyStore
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.models import bind_models, connection_for
from chalicelib.storage.sessions import adopt, new_session
from chalicelib.storage.ssm_peppers import peppers_for
from chalicelib.storage.tenants import TenantStore
from chalicelib.wiring import parts
from chalicelib.wiring.parts import Wiring, leak_service, verify_runtime
from chalicelib.wiring.singleton import ProcessSingleton

if TYPE_CHECKING:
    from chalicelib.authorizer.runtime import Runtime
    from chalicelib.domain.access import AccessControl
    from chalicelib.domain.leaks import LeakNotifier, LeakService
    from chalicelib.domain.platform.keys import PlatformKeyService
    from chalicelib.domain.platform.tenants import PlatformTenants
    from chalicelib.domain.usage_reports import UsageReports
    from chalicelib.domain.webhook_endpoints import WebhookService
    from chalicelib.domain.webhook_urls import Resolver
    from chalicelib.identity.github_keys import GitHubKeys
    from chalicelib.observability.decisions import DecisionTelemetry
    from chalicelib.storage.token_keys import TokenKeys
    from chalicelib.wiring.access_tokens import AccessTokens

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Services:
    """Everything a request handler needs, built over one set of settings.

    The properties below the fields are built on first use (see the module's docstring);
    ``dataclasses.replace`` keeps the fields and builds those parts afresh.
    """

    settings: Settings
    keys: KeyService
    groups: GroupService
    tenants: TenantService
    verifier: Verifier
    idempotency: IdempotencyStore
    audit: AuditLog
    wiring: Wiring = field(repr=False, compare=False)
    oidc: OidcVerifier | None = None
    # Signed pagination cursors; None only where no listing is served.
    cursors: Cursors | None = None
    # The one clock every service was built with: the edge asks it, never a service, the time.
    clock: Clock = utc_now

    @cached_property
    def runtime(self) -> Runtime:
        """POST /v1/verify runs the authorizer's own decision, on the authorizer's store."""
        return verify_runtime(self.settings, self.wiring, self.clock)

    @property
    def access(self) -> AccessControl:
        return self.runtime.control

    @cached_property
    def usage(self) -> UsageReports:
        from chalicelib.domain.usage_reports import UsageReports
        from chalicelib.storage.usage import UsageStore

        return UsageReports(
            UsageStore(self.settings.scale.usage_total_shards), self.keys, self.clock
        )

    # The provider's side: platform keys (chalicelib/domain/platform/keys.py), built on
    # first use: only a platform credential or the operator CLI reaches them.
    @cached_property
    def platform_keys(self) -> PlatformKeyService:
        return parts.platform_keys(self.settings, self.wiring, self.clock)

    @cached_property
    def platform_tenants(self) -> PlatformTenants:
        return parts.platform_tenants(self.tenants, self.wiring, self.clock)

    # Leaked keys (chalicelib/domain/leaks.py, chalicelib/api/leaks.py)
    @cached_property
    def leaks(self) -> LeakService:
        return leak_service(self.settings, self.wiring, self.verifier, self.keys, self.clock)

    @cached_property
    def github(self) -> GitHubKeys:
        from chalicelib.identity.github_keys import GitHubKeys

        return GitHubKeys(self.settings.leaks.github_keys_url)

    # None when no token issuer is configured: the token endpoints answer 404.
    @cached_property
    def access_tokens(self) -> AccessTokens | None:
        if not self.settings.access_tokens.issuer:
            return None
        from chalicelib.wiring.access_tokens import AccessTokens

        wiring = self.wiring
        return AccessTokens(
            self.settings, self.clock, wiring.session, wiring.peppers, wiring.token_keys
        )

    # The tenant's webhook endpoints (chalicelib/wiring/webhooks.py).
    @cached_property
    def webhooks(self) -> WebhookService:
        from chalicelib.wiring.webhooks import webhook_service

        wiring = self.wiring
        return webhook_service(
            self.settings,
            wiring.connection,
            wiring.audit,
            wiring.peppers,
            self.clock,
            wiring.webhook_resolver,
        )

    # Operations: POST /v1/verify's decision lines (JSON log + EMF).
    @cached_property
    def decisions(self) -> DecisionTelemetry:
        from chalicelib.observability.decisions import DecisionTelemetry
        from chalicelib.observability.metrics import API

        return DecisionTelemetry(API, "api")


def build_services(
    settings: Settings,
    clock: Clock = utc_now,
    notifier: LeakNotifier | None = None,
    token_keys: TokenKeys | None = None,
    webhook_resolver: Resolver | None = None,
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
    expiry = ExpiryPolicy(settings.sweep.expiry_thresholds_days)
    audit = AuditWriter(timedelta(days=settings.dynamodb.audit_retention_days))
    key_store = KeyStore(connection, audit)
    tenant_store = TenantStore(connection, audit)
    peppers = peppers_for(settings)
    key_format = KeyFormat(settings.keys.prefix)
    group_store = GroupStore(connection, audit, settings.limits.groups_per_tenant)
    keys = KeyService(
        key_store,
        peppers,
        key_format,
        clock,
        timedelta(days=settings.keys.expiring_soon_days),
        expiry,
        group_store,
    )
    groups = GroupService(group_store, clock)
    tenants = TenantService(tenant_store, groups, keys, clock, settings.limits.keys_per_tenant)
    verifier = Verifier(key_format, key_store, peppers, clock)
    wiring = Wiring(
        session,
        connection,
        audit,
        key_store,
        tenant_store,
        peppers,
        key_format,
        notifier,
        token_keys,
        webhook_resolver,
    )
    return Services(
        settings,
        keys,
        groups,
        tenants,
        verifier,
        IdempotencyStore(timedelta(hours=24)),
        AuditLog(AuditStore()),
        wiring,
        build_oidc(settings, clock),
        Cursors(peppers),
        clock=clock,
    )


_services: ProcessSingleton[Services] = ProcessSingleton(lambda: build_services(get_settings()))


def get_services() -> Services:
    """The process's services, built on first use from the environment's settings."""
    return _services.get()


def set_services(services: Services | None) -> None:
    """Replace (or with None, forget) the process's services."""
    _services.set(services)
