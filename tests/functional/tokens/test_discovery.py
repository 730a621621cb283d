"""Discovery documents and the JWKS a resource server validates tokens with."""

from __future__ import annotations

import jwt
import pytest

from tests.functional.conftest import json_of
from tests.support.api import Api
from tests.token_keys import ISSUER, local_keys


@pytest.mark.parametrize(
    "path", ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"]
)
def test_discovery_names_the_configured_issuer_whatever_the_host(api: Api, path: str) -> None:
    response = api.client.http.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 200
    document = json_of(response)
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}/oauth2/token"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["grant_types_supported"] == ["client_credentials"]
    assert document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]


def test_the_jwks_publishes_the_signing_key_by_its_thumbprint(api: Api) -> None:
    document = json_of(api.client.http.get("/.well-known/jwks.json"))
    (entry,) = document["keys"]
    assert set(entry) == {"kty", "kid", "use", "alg", "n", "e"}
    assert (entry["kty"], entry["alg"], entry["use"]) == ("RSA", "RS256", "sig")
    assert entry["kid"] == local_keys().signer.key_id()
    assert jwt.PyJWK(entry).key_id == entry["kid"]
