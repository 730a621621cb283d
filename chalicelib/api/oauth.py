"""``POST /oauth2/token``: an API key exchanged for an access token (RFC 6749 section 4.4).

The client authenticates with ``client_secret_basic`` or ``client_secret_post``: the
``client_id`` is the key id, the ``client_secret`` the whole API key. Errors are exactly
RFC 6749 section 5.2's JSON (not problem+json: OAuth clients parse these), every answer
carries ``Cache-Control: no-store``, and no error says more than the RFC's code. The token
is never logged and never stored (a still-fresh one is kept in the container's memory to
be answered again: chalicelib/domain/token_bound.py). Beyond a key's signing rate the
answer is 429 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote_plus

from chalice import Blueprint, Response

from chalicelib.api.auth import source_ip
from chalicelib.api.telemetry import note
from chalicelib.domain.errors import (
    ClientRefused,
    ScopeRefused,
    StorageUnavailable,
    TokenRateLimited,
)
from chalicelib.domain.peppers import PepperUnavailable
from chalicelib.domain.signing import SigningFailed, TokensNotConfigured
from chalicelib.observability import event_metrics, metrics
from chalicelib.wiring.services import get_services

# For types only; loaded when a request needs them.
if TYPE_CHECKING:
    from chalicelib.domain.access_tokens import IssuedToken, TokenIssuer

logger = logging.getLogger(__name__)
oauth = Blueprint(__name__)
FORM = "application/x-www-form-urlencoded"
GRANT = "client_credentials"
MAX_BODY = 8 * 1024
# RFC 6749 5.1: "Cache-Control: no-store" and "Pragma: no-cache" on every token answer.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CHALLENGE = 'Basic realm="latchkey", charset="UTF-8"'


class OAuthError(Exception):
    """Raised with an RFC 6749 section 5.2 error code; ``status`` is its HTTP status."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status


def _invalid_client() -> OAuthError:
    # One answer for every failed client: unknown, wrong secret, revoked, expired, from an
    # address outside the allowlist, or sent without credentials.
    return OAuthError("invalid_client", "client authentication failed", 401)


def _json(status: int, body: Mapping[str, Any], extra: Mapping[str, str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json;charset=UTF-8",
        **NO_STORE,
        **(extra or {}),
    }
    return Response(body=json.dumps(body), status_code=status, headers=headers)


def error_response(error: OAuthError) -> Response:
    body = {"error": error.code, "error_description": error.description}
    # A 401 names the scheme to use (RFC 6749 5.2, RFC 7235 3.1).
    extra = {"WWW-Authenticate": CHALLENGE} if error.status == 401 else {}
    return _json(error.status, body, extra)


def parse_form(content_type: str | None, raw: bytes) -> dict[str, str]:
    """The form's parameters; each at most once (RFC 6749 3.2), UTF-8."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media != FORM:
        raise OAuthError("invalid_request", f"the body must be {FORM}")
    if len(raw) > MAX_BODY:
        raise OAuthError("invalid_request", "the body is too large")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the body is not a UTF-8 form") from None
    if any(len(values) > 1 for values in fields.values()):
        raise OAuthError("invalid_request", "a parameter was sent more than once")
    return {name: values[0] for name, values in fields.items()}


def _basic(authorization: str) -> tuple[str, str]:
    """RFC 6749 2.3.1: base64 of the form-encoded id and secret, joined by a colon."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise _invalid_client()
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # not ASCII, not base64 (binascii.Error), not UTF-8
        raise _invalid_client() from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise _invalid_client()
    return unquote_plus(client_id), unquote_plus(secret)


def client_credentials(authorization: str | None, form: Mapping[str, str]) -> tuple[str, str]:
    """(client_id, client_secret) from exactly one of the two authentication methods."""
    posted = "client_secret" in form
    if authorization is not None and posted:
        raise OAuthError("invalid_request", "use one client authentication method")
    if authorization is not None:
        client_id, secret = _basic(authorization)
        if "client_id" in form and form["client_id"] != client_id:
            raise OAuthError("invalid_request", "client_id differs from the authenticated one")
        return client_id, secret
    if not posted or not form.get("client_id"):
        raise _invalid_client()
    return form["client_id"], form["client_secret"]


def _token_answer(headers: Mapping[str, str], raw: bytes, context: dict[str, Any]) -> Response:
    services = get_services()
    if services.access_tokens is None:
        return _json(404, {"error": "invalid_request", "error_description": "not configured"})
    form = parse_form(headers.get("content-type"), raw)
    client_id, secret = client_credentials(headers.get("authorization"), form)
    issuer = services.access_tokens.issuer
    try:
        issued = _grant(issuer, client_id, secret, form, source_ip(context))
    finally:
        # The decision is counted either way. The recorder flushes only a key it counted
        # (authenticate counts a decision only for the key the secret names), so a
        # made-up client_id holds no memory.
        _flush(issuer, client_id)
    event_metrics.count(metrics.TOKENS_ISSUED)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return _json(200, body)


def _grant(
    issuer: TokenIssuer, client_id: str, secret: str, form: Mapping[str, str], address: str | None
) -> IssuedToken:
    """Authenticate the client first, then read the grant: no error helps a stranger."""
    try:
        decision = issuer.authenticate(client_id, secret, address)
    except ClientRefused:
        raise _invalid_client() from None
    grant_type = form.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant_type != GRANT:
        raise OAuthError("unsupported_grant_type", f"only {GRANT} is supported")
    try:
        return issuer.issue(decision, form.get("scope"))
    except ScopeRefused as error:
        raise OAuthError("invalid_scope", error.detail) from None
    except ClientRefused:
        raise _invalid_client() from None


def _flush(issuer: TokenIssuer, client_id: str) -> None:
    try:
        issuer.flush_usage(client_id)
    except Exception as error:  # usage is best effort; the answer stands
        logger.warning("token endpoint: usage write failed: %s", type(error).__name__)


@oauth.route("/oauth2/token", methods=["POST"], content_types=["*/*"])
def token() -> Response:
    """Client credentials grant: the answer is a token or an RFC 6749 5.2 error."""
    request = oauth.current_request
    raw = request.raw_body if isinstance(request.raw_body, bytes) else b""
    try:
        return _token_answer(request.headers, raw, request.context)
    except OAuthError as error:
        return error_response(error)
    except TokenRateLimited as error:
        note(error=error)
        event_metrics.count(metrics.TOKENS_RATE_LIMITED)
        # RFC 6749 has no code for "too many"; "temporarily_unavailable" is the closest,
        # and the status and Retry-After say the rest (RFC 6585 section 4).
        body = {
            "error": "temporarily_unavailable",
            "error_description": "too many new tokens for this key: reuse the last one",
        }
        return _json(429, body, {"Retry-After": str(error.retry_after)})
    except (StorageUnavailable, PepperUnavailable, SigningFailed, TokensNotConfigured) as error:
        logger.error("token endpoint unavailable: %s", type(error).__name__)
        note(error=error)  # the request line names it, and counts a throttle
        if isinstance(error, SigningFailed) and error.throttled:
            event_metrics.count(metrics.KMS_THROTTLES)
        # RFC 6749 names no error for this; "temporarily_unavailable" is its word for it.
        body = {"error": "temporarily_unavailable", "error_description": "try again shortly"}
        wait = error.retry_after if isinstance(error, SigningFailed) else 1
        return _json(503, body, {"Retry-After": str(wait)})
    except Exception as error:  # a bug: logged with its trace (never the request), answered 500
        logger.exception("token endpoint: unexpected error")
        note(error=error)
        return _json(500, {"error": "server_error", "error_description": "unexpected error"})
