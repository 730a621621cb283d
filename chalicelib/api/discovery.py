"""What verifies Latchkey's access tokens: the JWKS and the discovery documents.

``/.well-known/openid-configuration`` (what API Gateway's HTTP API JWT authorizer reads)
and ``/.well-known/oauth-authorization-server`` (RFC 8414) carry the same metadata. Every
URL in them is built from the configured issuer, never from the request's Host header, so
a forged Host cannot point a verifier at someone else's keys.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib.domain.signing import ALGORITHM, SigningFailed, TokensNotConfigured
from chalicelib.wiring.services import get_services

# For types only; loaded when a request needs them.
if TYPE_CHECKING:
    from chalicelib.wiring.access_tokens import AccessTokens

logger = logging.getLogger(__name__)
discovery = Blueprint(__name__)
# Verifiers may cache these; a signing-key rotation publishes the new key well before it
# signs (README, "Access tokens"), so five minutes of staleness is harmless.
CACHEABLE = "public, max-age=300"
# While a configured key could not be fetched (it is retried at most once a minute).
PARTIAL = "public, max-age=60"


def metadata(issuer: str) -> dict[str, Any]:
    """RFC 8414 authorization server metadata (also valid OpenID discovery fields)."""
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oauth2/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        # No authorization endpoint: client credentials only, so no response types.
        "response_types_supported": [],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "access_token_signing_alg_values_supported": [ALGORITHM],
    }


def _json(status: int, body: Any, cache: str = CACHEABLE) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json",
        "Cache-Control": cache,
    }
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def _tokens() -> AccessTokens | None:
    return get_services().access_tokens


def _not_configured() -> Response:
    return _json(404, {"error": "access tokens are not configured"}, "no-store")


@discovery.route("/.well-known/openid-configuration", methods=["GET"])
def openid_configuration() -> Response:
    tokens = _tokens()
    return (
        _json(200, metadata(tokens.settings.access_tokens.issuer)) if tokens else _not_configured()
    )


@discovery.route("/.well-known/oauth-authorization-server", methods=["GET"])
def authorization_server() -> Response:
    tokens = _tokens()
    return (
        _json(200, metadata(tokens.settings.access_tokens.issuer)) if tokens else _not_configured()
    )


@discovery.route("/.well-known/jwks.json", methods=["GET"])
def jwks() -> Response:
    tokens = _tokens()
    if tokens is None:
        return _not_configured()
    from chalicelib.identity.jwk import jwk

    keys = tokens.keys.published
    try:
        published = keys.public_keys()
    except SigningFailed as error:  # not one key fetched: the only case worth a 503
        logger.error("jwks unavailable: %s", type(error).__name__)
        return _unavailable(error.retry_after)
    except TokensNotConfigured as error:
        logger.error("jwks unavailable: %s", type(error).__name__)
        return _unavailable(1)
    # What was fetched is published; while a key is missing, verifiers come back sooner.
    cache = CACHEABLE if keys.complete() else PARTIAL
    return _json(200, {"keys": [jwk(der) for der in published.values()]}, cache)


def _unavailable(retry_after: int) -> Response:
    response = _json(503, {"error": "signing keys unavailable"}, "no-store")
    response.headers["Retry-After"] = str(retry_after)
    return response
