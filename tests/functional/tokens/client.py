"""How the token tests ask for a token and read what comes back."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote, urlencode

import jwt
from chalice.test import Client

from tests.functional.conftest import json_of
from tests.support.api import Api
from tests.token_keys import ISSUER

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PUBLIC_AUDIENCE = "orders-api"
# Tokens of a key with an allowlist, or of a group that narrows routes: Latchkey's only.
LATCHKEY_AUDIENCE = "orders-api#latchkey-only"


def basic(client_id: str, secret: str) -> str:
    """HTTP Basic credentials as RFC 6749 section 2.3.1 encodes them (form-encoded first)."""
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def post_token(
    api: Api,
    form: dict[str, str] | str,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST /oauth2/token with a form body (or a raw one), as a client library sends it."""
    body = form if isinstance(form, str) else urlencode(form)
    sent = FORM | (headers or {})
    client: Client = api.client
    return client.http.post("/oauth2/token", headers=sent, body=body.encode())


def token_request(api: Api, made: dict[str, Any], **extra: str) -> Any:
    auth = {"Authorization": basic(made["key"]["id"], made["secret"])}
    return post_token(api, {"grant_type": "client_credentials", **extra}, auth)


def jwks_key(api: Api, kid: str) -> Any:
    document = json_of(api.client.http.get("/.well-known/jwks.json"))
    (entry,) = [key for key in document["keys"] if key["kid"] == kid]
    return jwt.PyJWK(entry).key


def decoded(api: Api, token: str, audience: str | list[str] | None = None) -> dict[str, Any]:
    """The verified claims, as a verifier that accepts ``audience`` (default: both of
    Latchkey's) reads them; PyJWT raises InvalidAudienceError for any other."""
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    claims: dict[str, Any] = jwt.decode(
        token,
        jwks_key(api, header["kid"]),
        algorithms=["RS256"],
        audience=audience or [PUBLIC_AUDIENCE, LATCHKEY_AUDIENCE],
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    return claims


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body: dict[str, Any] = json_of(response)
    assert body["error"] == code
    assert set(body) <= {"error", "error_description", "error_uri"}
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
    return body


def verify(api: Api, **body: Any) -> dict[str, Any]:
    """POST /v1/verify as a service without a key would; its 200 answer."""
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 200, response.body
    result: dict[str, Any] = json_of(response)
    return result
