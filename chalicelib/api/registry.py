"""Registers every management-API blueprint on the app, in one place."""

from __future__ import annotations

from chalice import Chalice

# console, me: the console, its page and assets, and the GET /v1/me it reads.
# discovery, oauth: access tokens. leaks, tenant: leaked keys.
from chalicelib.api import (
    audit,
    console,
    discovery,
    docs,
    groups,
    keys,
    leaks,
    me,
    oauth,
    request_ids,
    telemetry,
    tenant,
    usage,
    verify,
    webhooks,
)
from chalicelib.api.platform import audit as platform_audit
from chalicelib.api.platform import keys as platform_keys
from chalicelib.api.platform import tenants as platform_tenants


def register_api(app: Chalice) -> None:
    for blueprint in (
        keys.routes.blueprint,
        usage.routes.blueprint,
        groups.routes.blueprint,
        verify.routes.blueprint,
        audit.routes.blueprint,
        leaks.routes.blueprint,  # leaked keys
        tenant.routes.blueprint,  # leaked keys: the tenant's leak policy
        docs.docs,
        me.routes.blueprint,
        console.console,
        # Access tokens: the token endpoint, JWKS and discovery.
        oauth.oauth,
        discovery.discovery,
        webhooks.routes.blueprint,  # the tenant's own webhook endpoints
        # The provider's side: the platform API.
        platform_tenants.routes.blueprint,
        platform_keys.routes.blueprint,
        platform_audit.routes.blueprint,
    ):
        app.register_blueprint(blueprint)
    # Request ids: on every response, audit event and log line of a request.
    app.register_middleware(request_ids.request_ids, "http")
    # Inside the request id's middleware, so the request's log line carries its id. Every
    # blueprint's requests, not only the /v1 routes: the 5xx alarm sees the token endpoint.
    app.register_middleware(telemetry.record_requests, "http")
    request_ids.install_log_prefix()
