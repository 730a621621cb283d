"""``POST /oauth2/token``: every RFC 6749 error, every key state, and what a token holds.

The client credentials grant over chalice's test client on moto, with a signing key the
test generates. Tokens are decoded with PyJWT against the published JWKS only.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.container import Services, build_services, set_services
from chalicelib.domain.signing import SigningFailed
from chalicelib.storage.token_keys import TokenKeys
from tests.conftest import Counters, FakeClock
from tests.conftest import test_settings as settings_for
from tests.functional.conftest import Api, create_key, json_of, table_snapshot
from tests.support.moto import MotoAccount
from tests.support.secrets import logged
from tests.token_keys import ISSUER, local_keys

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def services(moto: MotoAccount, clock: FakeClock) -> Iterator[Services]:
    """The functional services with access tokens switched on."""
    settings = settings_for(token_issuer=ISSUER, token_audience="orders-api")
    built = build_services(settings, clock, token_keys=local_keys())
    set_services(built)
    yield built
    set_services(None)


@pytest.fixture
def orders_group(api: Api) -> str:
    body = {
        "name": "Orders",
        "permissions": ["orders:read", "orders:write"],
        "routes": ["GET /orders/*", "POST /orders"],
    }
    group: dict[str, Any] = json_of(api.call("POST", "/v1/groups", body))
    return str(group["id"])


@pytest.fixture
def key(api: Api, orders_group: str) -> dict[str, Any]:
    return create_key(api, orders_group, expires_at="2027-01-01T00:00:00Z")


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def post_token(
    api: Api,
    form: dict[str, str] | str,
    headers: dict[str, str] | None = None,
) -> Any:
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


def decoded(api: Api, token: str) -> dict[str, Any]:
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    claims: dict[str, Any] = jwt.decode(
        token,
        jwks_key(api, header["kid"]),
        algorithms=["RS256"],
        audience="orders-api",
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


# --- success -------------------------------------------------------------------------------


def test_basic_authentication_gets_a_bearer_token_with_every_claim(
    api: Api, key: dict[str, Any], orders_group: str, clock: FakeClock
) -> None:
    response = token_request(api, key)
    assert response.status_code == 200, response.body
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    body = json_of(response)
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 300)
    assert body["scope"] == "orders:read orders:write"
    claims = decoded(api, body["access_token"])
    now = int(clock.now.timestamp())
    jti = claims.pop("jti")
    assert isinstance(jti, str)
    assert len(jti) >= 16
    assert claims == {
        "iss": ISSUER,
        "sub": key["key"]["id"],
        "client_id": key["key"]["id"],
        "aud": "orders-api",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "scope": "orders:read orders:write",
        "tenant_id": "acme",
        "group_id": orders_group,
        "routes": ["GET /orders/*", "POST /orders"],
    }


def test_post_authentication_gets_a_token_too(api: Api, key: dict[str, Any]) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": key["key"]["id"],
        "client_secret": key["secret"],
    }
    response = post_token(api, form)
    assert response.status_code == 200, response.body
    assert decoded(api, json_of(response)["access_token"])["sub"] == key["key"]["id"]


def test_a_requested_scope_narrows_the_token(api: Api, key: dict[str, Any]) -> None:
    body = json_of(token_request(api, key, scope="orders:read"))
    assert body["scope"] == "orders:read"
    assert decoded(api, body["access_token"])["scope"] == "orders:read"


def test_every_token_has_its_own_id(api: Api, key: dict[str, Any]) -> None:
    ids = {decoded(api, json_of(token_request(api, key))["access_token"])["jti"] for _ in "abc"}
    assert len(ids) == 3


def test_the_ip_allowlist_is_in_the_token_and_checked_on_the_request(
    api: Api, orders_group: str
) -> None:
    fenced = create_key(api, orders_group, ip_allowlist=["10.0.0.0/8"])
    # chalice's test client sends from 127.0.0.1: outside the allowlist.
    assert_error(token_request(api, fenced), 401, "invalid_client")
    open_key = create_key(api, orders_group, ip_allowlist=["127.0.0.1"])
    claims = decoded(api, json_of(token_request(api, open_key))["access_token"])
    assert claims["ip_allowlist"] == ["127.0.0.1"]


def test_the_lifetime_never_passes_the_keys_expiry(
    api: Api, orders_group: str, clock: FakeClock
) -> None:
    soon = create_key(api, orders_group, expires_at="2026-11-24T12:02:00Z")  # 120 s away
    body = json_of(token_request(api, soon))
    assert body["expires_in"] == 120
    assert decoded(api, body["access_token"])["exp"] == int(clock.now.timestamp()) + 120


def test_the_old_secret_in_a_grace_period_gets_tokens_ending_with_the_grace(
    api: Api, key: dict[str, Any]
) -> None:
    api.call("POST", f"/v1/keys/{key['key']['id']}/rotate", {"grace_period_seconds": 60})
    body = json_of(token_request(api, key))
    assert body["expires_in"] == 60


# --- every key state -----------------------------------------------------------------------


def test_revoked_expired_unknown_and_wrong_secret_keys_get_invalid_client(
    api: Api, orders_group: str, clock: FakeClock, services: Services
) -> None:
    revoked = create_key(api, orders_group)
    api.call("POST", f"/v1/keys/{revoked['key']['id']}/revoke")
    expiring = create_key(api, orders_group, expires_at="2026-11-24T12:30:00Z")
    rotated = create_key(api, orders_group)
    api.call("POST", f"/v1/keys/{rotated['key']['id']}/rotate", {})
    good = create_key(api, orders_group)
    clock.advance(hours=1)
    other = create_key(api, orders_group)
    before = table_snapshot(services)
    bodies = [
        assert_error(token_request(api, revoked), 401, "invalid_client"),
        assert_error(token_request(api, expiring), 401, "invalid_client"),
        assert_error(token_request(api, rotated), 401, "invalid_client"),
        # The secret of another key under this key's id.
        assert_error(
            post_token(
                api,
                {"grant_type": "client_credentials"},
                {"Authorization": basic(good["key"]["id"], other["secret"])},
            ),
            401,
            "invalid_client",
        ),
        assert_error(
            post_token(
                api,
                {"grant_type": "client_credentials"},
                {"Authorization": basic("nobody", "lk_test_nothing")},
            ),
            401,
            "invalid_client",
        ),
    ]
    # One body for all of them: nothing says why.
    assert all(body == bodies[0] for body in bodies)
    # Only usage moved (a denial counts, as for every decision): no key, no audit event.
    after = table_snapshot(services)
    usage = services.settings.usage_table
    assert {name: items for name, items in after.items() if name != usage} == {
        name: items for name, items in before.items() if name != usage
    }


# --- every RFC 6749 section 5.2 error ------------------------------------------------------


def test_no_credentials_is_invalid_client_with_a_basic_challenge(api: Api) -> None:
    assert_error(post_token(api, {"grant_type": "client_credentials"}), 401, "invalid_client")


def test_a_client_id_without_a_secret_is_invalid_client(api: Api, key: dict[str, Any]) -> None:
    form = {"grant_type": "client_credentials", "client_id": key["key"]["id"]}
    assert_error(post_token(api, form), 401, "invalid_client")


@pytest.mark.parametrize(
    "authorization",
    ["Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest abc"],
)
def test_a_malformed_authorization_header_is_invalid_client(api: Api, authorization: str) -> None:
    response = post_token(
        api, {"grant_type": "client_credentials"}, {"Authorization": authorization}
    )
    assert_error(response, 401, "invalid_client")


def test_two_authentication_methods_are_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": key["key"]["id"],
        "client_secret": key["secret"],
    }
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    assert_error(post_token(api, form, auth), 400, "invalid_request")


def test_a_missing_grant_type_is_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    assert_error(post_token(api, {}, auth), 400, "invalid_request")


@pytest.mark.parametrize("grant", ["authorization_code", "password", "refresh_token", "x"])
def test_another_grant_type_is_unsupported(api: Api, key: dict[str, Any], grant: str) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    assert_error(post_token(api, {"grant_type": grant}, auth), 400, "unsupported_grant_type")


def test_a_repeated_parameter_is_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    body = "grant_type=client_credentials&grant_type=client_credentials"
    assert_error(post_token(api, body, auth), 400, "invalid_request")


def test_a_json_body_is_an_invalid_request(api: Api, key: dict[str, Any]) -> None:
    auth = {"Authorization": basic(key["key"]["id"], key["secret"])}
    response = api.client.http.post(
        "/oauth2/token",
        headers={"Content-Type": "application/json"} | auth,
        body=json.dumps({"grant_type": "client_credentials"}).encode(),
    )
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize("scope", ["keys:manage", "orders:read keys:manage", "", "a  b", 'x"y'])
def test_a_scope_beyond_the_group_is_invalid_scope(
    api: Api, key: dict[str, Any], scope: str
) -> None:
    assert_error(token_request(api, key, scope=scope), 400, "invalid_scope")


def test_refused_requests_never_echo_the_secret(api: Api, key: dict[str, Any]) -> None:
    responses = [
        token_request(api, key, scope="keys:manage"),
        post_token(api, {"grant_type": "x", "client_id": "a", "client_secret": key["secret"]}),
    ]
    for response in responses:
        assert key["secret"] not in response.body.decode()


# --- usage ---------------------------------------------------------------------------------


def test_usage_counts_the_tokens_issued_per_key_and_day(
    api: Api, key: dict[str, Any], clock: FakeClock
) -> None:
    for _ in range(3):
        assert token_request(api, key).status_code == 200
    clock.advance(seconds=61)  # past LATCHKEY_USAGE_FLUSH_SECONDS: the next one writes all
    assert_error(token_request(api, key, scope="keys:manage"), 400, "invalid_scope")
    report = json_of(api.call("GET", f"/v1/keys/{key['key']['id']}/usage"))
    assert report["tokens_issued"] == 3
    assert report["days"][-1]["tokens_issued"] == 3
    assert report["days"][-1]["allowed"] == 4  # the refused scope still authenticated


# --- discovery -----------------------------------------------------------------------------


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


# --- POST /v1/verify with a token ----------------------------------------------------------


def verify(api: Api, **body: Any) -> dict[str, Any]:
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 200, response.body
    result: dict[str, Any] = json_of(response)
    return result


def test_verify_checks_a_token_with_the_authorizers_codes(
    api: Api, key: dict[str, Any], orders_group: str, clock: FakeClock
) -> None:
    token = json_of(token_request(api, key, scope="orders:read"))["access_token"]
    expires = clock.now.timestamp() + 300
    assert verify(api, token=token, route="GET /orders/7") == {
        "valid": True,
        "code": "VALID",
        "key_id": key["key"]["id"],
        "tenant_id": "acme",
        "group_id": orders_group,
        "permissions": ["orders:read"],
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
    }
    assert verify(api, token=token, route="DELETE /orders/7")["code"] == "ROUTE_NOT_ALLOWED"
    assert verify(api, token=token[:-2] + "xx")["code"] == "TOKEN_INVALID"
    assert verify(api, token="not.a.token")["code"] == "TOKEN_INVALID"
    clock.advance(seconds=330)
    expired = verify(api, token=token)
    assert (expired["valid"], expired["code"]) == (False, "TOKEN_EXPIRED")
    assert expired["key_id"] is None, "an expired token reveals nothing"


def test_verify_checks_the_tokens_allowlist(api: Api, orders_group: str) -> None:
    fenced = create_key(api, orders_group, ip_allowlist=["127.0.0.1"])
    token = json_of(token_request(api, fenced))["access_token"]
    assert verify(api, token=token, source_ip="127.0.0.1")["code"] == "VALID"
    assert verify(api, token=token, source_ip="192.0.2.1")["code"] == "IP_NOT_ALLOWED"
    assert verify(api, token=token)["code"] == "IP_NOT_ALLOWED"


@pytest.mark.parametrize("body", [{}, {"key": "a", "token": "b"}, {"key": None, "token": "b"}])
def test_verify_takes_exactly_one_of_key_and_token(api: Api, body: dict[str, str | None]) -> None:
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 422
    assert json_of(response)["code"] == "validation_failed"


# --- tokens stay secret --------------------------------------------------------------------


def test_a_token_appears_only_in_the_response_that_issued_it(
    api: Api,
    key: dict[str, Any],
    services: Services,
    caplog: pytest.LogCaptureFixture,
    reliability: Counters,
    clock: FakeClock,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = json_of(token_request(api, key))["access_token"]
    answers = [
        verify(api, token=token, route="GET /orders/7"),
        verify(api, token=token, route="DELETE /orders/7"),
        json_of(api.call("GET", f"/v1/keys/{key['key']['id']}/usage")),
        json_of(api.call("GET", "/v1/audit-events")),
    ]
    clock.advance(seconds=61)
    token_request(api, key)  # flushes the usage counts
    signature = token.split(".")[2]
    places = {
        "tables": json.dumps(table_snapshot(services)),
        "logs": logged(caplog),
        "answers": json.dumps(answers),
    }
    leaks = [where for where, text in places.items() if signature in text or token in text]
    reliability.secret_hits += len(leaks)
    assert leaks == []


# --- hostile input -------------------------------------------------------------------------

HOSTILE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIELDS = ["grant_type", "client_id", "client_secret", "scope", "x"]


@HOSTILE
@given(
    form=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=80), max_size=5),
    raw=st.binary(max_size=200),
    authorization=st.none() | st.text(max_size=80).map(lambda text: "Basic " + text),
    use_raw=st.booleans(),
)
def test_hostile_token_requests_get_an_rfc_error_and_never_a_5xx(
    api: Api,
    reliability: Counters,
    form: dict[str, str],
    raw: bytes,
    authorization: str | None,
    use_raw: bool,
) -> None:
    reliability.hostile += 1
    headers = FORM | ({"Authorization": authorization} if authorization else {})
    body = raw if use_raw else urlencode(form).encode()
    try:
        response = api.client.http.post("/oauth2/token", headers=headers, body=body)
    except (UnicodeError, ValueError):
        return  # the test client itself refused to send it (a header it cannot encode)
    if response.status_code >= 500:
        reliability.five_xx += 1
    assert response.status_code in (400, 401), response.body
    assert json_of(response)["error"] in {
        "invalid_request",
        "invalid_client",
        "unsupported_grant_type",
        "invalid_scope",
    }


# --- faults --------------------------------------------------------------------------------


def test_kms_unreachable_is_503_temporarily_unavailable_and_no_token(
    api: Api, key: dict[str, Any], services: Services, clock: FakeClock
) -> None:
    class Unreachable:
        def key_id(self) -> str:
            return "kid"

        def sign(self, message: bytes) -> bytes:
            raise SigningFailed("Sign failed: EndpointConnectionError")

    published = local_keys().published
    broken = build_services(
        services.settings, clock, token_keys=TokenKeys(Unreachable(), published)
    )
    set_services(broken)
    response = token_request(api, key)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Cache-Control"] == "no-store"
    assert json_of(response)["error"] == "temporarily_unavailable"
    document = api.client.http.get("/.well-known/jwks.json")
    assert document.status_code == 200, "the published keys do not need the signer"


def emf_counts(out: str, name: str) -> list[dict[str, Any]]:
    """The EMF lines of ``out`` that carry the metric ``name``."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in lines if name in line and "_aws" in line]


def test_each_token_issued_is_counted_and_a_refused_request_is_not(
    api: Api, key: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert token_request(api, key).status_code == 200
    assert token_request(api, {**key, "secret": key["secret"][:-1] + "x"}).status_code == 401

    (counted,) = emf_counts(capsys.readouterr().out, "TokensIssued")
    assert counted["TokensIssued"] in (1, [1])  # Powertools may write a value as a list
    assert key["key"]["id"] not in json.dumps(counted)  # never a key id in a metric
