"""Registers every management-API blueprint on the app, in one place."""

from __future__ import annotations

from chalice import Chalice

from chalicelib.api import audit, docs, groups, keys, leaks, tenant, usage, verify


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
    ):
        app.register_blueprint(blueprint)
