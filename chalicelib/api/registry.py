"""Registers every management-API blueprint on the app, in one place."""

from __future__ import annotations

from chalice import Chalice

from chalicelib.api import audit, discovery, docs, groups, keys, oauth, usage, verify


def register_api(app: Chalice) -> None:
    for blueprint in (
        keys.routes.blueprint,
        usage.routes.blueprint,
        groups.routes.blueprint,
        verify.routes.blueprint,
        audit.routes.blueprint,
        docs.docs,
        # Access tokens (issue 15): the token endpoint, JWKS and discovery.
        oauth.oauth,
        discovery.discovery,
    ):
        app.register_blueprint(blueprint)
