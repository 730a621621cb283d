"""End to end: a standard OAuth 2.0 client obtains a token, a standard JOSE library checks it.

A live server (tests/integration/live_api.py, chalice local's) on DynamoDB Local, whose
issuer is its own URL. Authlib's ``OAuth2Session`` (not Latchkey's code) runs the client
credentials grant with each client authentication method; PyJWT's ``PyJWKClient`` finds
the keys from the discovery document and the JWKS alone and validates the token. Then the
token goes to ``POST /v1/verify``, and the server's log and every table are searched for it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from chalicelib.config.settings import Settings
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.tenants import OPERATOR
from chalicelib.storage.pem import ensure_pem
from chalicelib.wiring.services import build_services
from tests.integration.live_server import live_server
from tests.integration.test_schemathesis import every_item, server_environment


@dataclass(frozen=True)
class Served:
    url: str
    client_id: str
    client_secret: str
    log: Path


@pytest.fixture
def served(local_settings: Settings, tmp_path: Path) -> Iterator[Served]:
    services = build_services(local_settings)
    tenant = f"tok-{uuid.uuid4().hex[:12]}"
    services.tenants.bootstrap(tenant)
    group = services.groups.create(
        tenant, GroupDraft("Orders", "", ("orders:read", "orders:write"), ("GET /orders/*",))
    )
    issued = services.keys.create(
        tenant, OPERATOR, KeyDraft("Integration", "", group.group_id, None, ())
    )
    pem = tmp_path / "token-signing-key.pem"
    ensure_pem(pem)
    extra = server_environment(tmp_path / "no-jwks.json") | {
        "LATCHKEY_TOKEN_ISSUER": "self",
        "LATCHKEY_TOKEN_LOCAL_KEY": str(pem),
    }
    log = tmp_path / "server.log"
    with live_server(local_settings, log, extra) as url:
        yield Served(url, issued.key.key_id, issued.token, log)


def discovery(url: str) -> dict[str, Any]:
    answer = requests.get(f"{url}/.well-known/openid-configuration", timeout=10)
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    return document


def validated(document: dict[str, Any], token: str) -> dict[str, Any]:
    """The claims, as a standard JOSE library validates them from the discovery alone."""
    keys = jwt.PyJWKClient(document["jwks_uri"])
    claims: dict[str, Any] = jwt.decode(
        token,
        keys.get_signing_key_from_jwt(token).key,
        algorithms=document["access_token_signing_alg_values_supported"],
        issuer=document["issuer"],
        # No LATCHKEY_TOKEN_AUDIENCE: the issuer; the group narrows routes, so the token is
        # for Latchkey's verifiers only (README, "Tokens only Latchkey accepts").
        audience=f"{document['issuer']}#latchkey-only",
        options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
    )
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    return claims


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_a_standard_client_gets_a_token_a_standard_library_validates(
    served: Served, method: str, local_settings: Settings, dynamodb_client: Any
) -> None:
    document = discovery(served.url)
    assert document["issuer"] == served.url
    assert method in document["token_endpoint_auth_methods_supported"]
    client = OAuth2Session(
        served.client_id,
        served.client_secret,
        token_endpoint_auth_method=method,
        scope="orders:read",
    )
    token = client.fetch_token(document["token_endpoint"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "orders:read"
    assert 0 < token["expires_in"] <= 300

    claims = validated(document, token["access_token"])
    assert claims["sub"] == claims["client_id"] == served.client_id
    assert claims["scope"] == "orders:read"
    assert claims["routes"] == ["GET /orders/*"]

    # The same token, checked by Latchkey with no key: valid for its routes only.
    for route, code in (("GET /orders/1", "VALID"), ("DELETE /orders/1", "ROUTE_NOT_ALLOWED")):
        verdict = requests.post(
            f"{served.url}/v1/verify",
            json={"token": token["access_token"], "route": route},
            timeout=10,
        ).json()
        assert verdict["code"] == code

    # Never logged, never stored.
    stored = every_item(dynamodb_client, local_settings)
    for secret in (token["access_token"], token["access_token"].split(".")[2]):
        assert secret not in served.log.read_text()
        assert secret not in stored


def test_a_verifier_of_the_public_audience_refuses_a_route_limited_keys_token(
    served: Served,
) -> None:
    """What API Gateway's JWT authorizer does with the README's configuration."""
    document = discovery(served.url)
    client = OAuth2Session(served.client_id, served.client_secret, scope="orders:read")
    token = client.fetch_token(document["token_endpoint"], grant_type="client_credentials")
    keys = jwt.PyJWKClient(document["jwks_uri"])
    signing = keys.get_signing_key_from_jwt(token["access_token"]).key

    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(
            token["access_token"],
            signing,
            algorithms=["RS256"],
            issuer=document["issuer"],
            audience=document["issuer"],
        )


def test_a_standard_client_is_refused_with_a_wrong_secret(served: Served) -> None:
    document = discovery(served.url)
    client = OAuth2Session(served.client_id, served.client_secret[:-1] + "x")
    with pytest.raises(Exception, match="invalid_client"):
        client.fetch_token(document["token_endpoint"], grant_type="client_credentials")
