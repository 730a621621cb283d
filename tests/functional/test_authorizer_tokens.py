"""The authorizer on access tokens: every event shape, no database read at all.

Tokens are issued by the token endpoint's own domain code over moto, then presented as
``Authorization: Bearer`` (REST REQUEST, HTTP API) or as a TOKEN event's
``authorizationToken``. Policies are judged by the independent IAM evaluator of
tests/support/iam.py; reads are counted as tests/functional/
test_hotpath_reads.py counts them, on the runtime's own store.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import jwt
import pytest

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import Runtime, build_runtime
from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.domain.access_tokens import TokenRules, claims_for
from chalicelib.domain.errors import ClientRefused
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.signing import compact_jws
from chalicelib.domain.tenants import OPERATOR
from chalicelib.wiring.services import Services, build_services, set_services
from tests.support.clock import FakeClock
from tests.support.events import Shape, http_event, rest_request_event, token_event
from tests.support.iam import explicitly_denies, iam_allows
from tests.support.moto import MotoAccount
from tests.support.settings import settings_for_tests
from tests.token_keys import ISSUER, local_keys, local_signer

TENANT = "acme"
ORDERS = ("GET /orders/*", "POST /orders")
INSIDE, OUTSIDE = "10.1.2.3", "203.0.113.9"
ALLOWED, FORBIDDEN = ("GET", "/orders/7"), ("DELETE", "/orders/7")
SHAPES = list(Shape)


@pytest.fixture
def services(moto: MotoAccount, clock: FakeClock) -> Iterator[Services]:
    built = build_services(
        settings_for_tests(access_tokens=AccessTokenSettings(issuer=ISSUER)),
        clock,
        token_keys=local_keys(),
    )
    set_services(built)
    yield built
    set_services(None)


@pytest.fixture
def group_id(services: Services) -> str:
    services.tenants.create(TENANT, key_limit=100)
    draft = GroupDraft("Orders", "", ("orders:read", "orders:write"), ORDERS)
    return services.groups.create(TENANT, draft).group_id


def new_key(services: Services, group_id: str, allowlist: tuple[str, ...] = ()) -> Issued:
    return services.keys.create(TENANT, OPERATOR, KeyDraft("k", "", group_id, None, allowlist))


def token_for(services: Services, issued: Issued, source_ip: str | None = None) -> str:
    assert services.access_tokens is not None
    issuer = services.access_tokens.issuer
    decision = issuer.authenticate(issued.key.key_id, issued.token, source_ip)
    return issuer.issue(decision, None).access_token


def runtime_for(services: Services, clock: FakeClock, shape: Shape) -> Runtime:
    settings = replace(services.settings, simple_responses=shape is Shape.HTTP_SIMPLE)
    return build_runtime(settings, clock, token_keys=local_keys().published)


def event(shape: Shape, bearer: str | None, route: tuple[str, str], source: str) -> dict[str, Any]:
    method, path = route
    header = {} if bearer is None else {"Authorization": f"Bearer {bearer}"}
    if shape is Shape.TOKEN:
        return token_event(None if bearer is None else f"Bearer {bearer}", method, path)
    if shape is Shape.REST_REQUEST:
        return rest_request_event(None, method, path, source, extra_headers=header)
    return http_event(None, method, path, source, extra_headers=header)


def allowed(shape: Shape, response: dict[str, Any], route: tuple[str, str]) -> bool:
    if shape is Shape.HTTP_SIMPLE:
        return bool(response["isAuthorized"])
    return iam_allows(response, shape.method_arn(*route))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_a_valid_token_is_allowed_its_routes_with_zero_database_reads(
    services: Services, group_id: str, clock: FakeClock, shape: Shape
) -> None:
    issued = new_key(services, group_id)
    token = token_for(services, issued)
    runtime = runtime_for(services, clock, shape)
    response = authorize(event(shape, token, ALLOWED, OUTSIDE), runtime)
    assert allowed(shape, response, ALLOWED)
    refused = authorize(event(shape, token, FORBIDDEN, OUTSIDE), runtime)
    assert not allowed(shape, refused, FORBIDDEN)
    if shape is not Shape.HTTP_SIMPLE:
        # The cached policy of the first answer is right for the second route too.
        assert not iam_allows(response, shape.method_arn(*FORBIDDEN))
        assert explicitly_denies(refused, shape.method_arn(*FORBIDDEN))
        assert response["principalId"] == issued.key.key_id
    context = response["context"]
    assert (context["tenant_id"], context["key_id"], context["group_id"]) == (
        TENANT,
        issued.key.key_id,
        group_id,
    )
    assert context["permissions"] == "orders:read,orders:write"
    assert all(isinstance(value, str) for value in context.values())
    assert runtime.store.reads == 0
    assert runtime.store.writes == 0


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_an_expired_token_is_unauthorized(
    services: Services, group_id: str, clock: FakeClock, shape: Shape
) -> None:
    token = token_for(services, new_key(services, group_id))
    runtime = runtime_for(services, clock, shape)
    clock.advance(seconds=300 + 29)  # inside the 30 s leeway
    assert allowed(shape, authorize(event(shape, token, ALLOWED, OUTSIDE), runtime), ALLOWED)
    clock.advance(seconds=1)
    with pytest.raises(Unauthorized):
        authorize(event(shape, token, ALLOWED, OUTSIDE), runtime)
    assert runtime.store.reads == 0


def forged(services: Services, group_id: str, clock: FakeClock) -> dict[str, str]:
    """Tokens Latchkey did not issue, or not as presented."""
    issued = new_key(services, group_id)
    good = token_for(services, issued)
    group = services.groups.get(TENANT, group_id)
    now = clock.now
    expires = int(now.timestamp()) + 300

    def signed(signer_name: str = "current", **rules: str) -> str:
        made = TokenRules(**({"issuer": ISSUER, "audience": ISSUER} | rules), lifetime=timedelta())
        claims = claims_for(made, issued.key, group, ("orders:read",), now, expires)
        return compact_jws(claims, local_signer(signer_name))

    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    widened = claims | {"routes": ["* /*"]}
    tampered = base64.urlsafe_b64encode(json.dumps(widened).encode()).decode().rstrip("=")
    der = local_keys().published.public_keys()
    public_pem = next(iter(der.values()))
    return {
        "tampered payload": f"{header}.{tampered}.{signature}",
        "another signer": signed("other"),
        "another issuer": signed(issuer="https://evil.example"),
        "another audience": signed(audience="someone-else"),
        "alg none": jwt.encode(claims, "", algorithm="none"),
        "HS256 with the public key": jwt.encode(
            claims, public_pem.hex(), algorithm="HS256", headers={"typ": "at+jwt"}
        ),
        "not a JWT": "abc.def",
        "an API key as a bearer token": issued.token,
    }


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_a_token_latchkey_did_not_issue_is_unauthorized(
    services: Services, group_id: str, clock: FakeClock, shape: Shape
) -> None:
    runtime = runtime_for(services, clock, shape)
    for name, token in forged(services, group_id, clock).items():
        with pytest.raises(Unauthorized):
            authorize(event(shape, token, ALLOWED, OUTSIDE), runtime)
        assert name
    assert runtime.store.reads == 0


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_the_allowlist_in_the_token_is_checked_against_the_source_address(
    services: Services, group_id: str, clock: FakeClock, shape: Shape
) -> None:
    token = token_for(services, new_key(services, group_id, ("10.0.0.0/8",)), INSIDE)
    runtime = runtime_for(services, clock, shape)
    inside = authorize(event(shape, token, ALLOWED, INSIDE), runtime)
    outside = authorize(event(shape, token, ALLOWED, OUTSIDE), runtime)
    assert not allowed(shape, outside, ALLOWED)
    # A TOKEN event carries no address: an allowlisted token is always denied there.
    assert allowed(shape, inside, ALLOWED) is (shape is not Shape.TOKEN)
    if shape is not Shape.HTTP_SIMPLE:
        assert explicitly_denies(outside, shape.method_arn(*ALLOWED))
    assert runtime.store.reads == 0


def test_a_token_outlives_its_keys_revocation_until_it_expires(
    services: Services, group_id: str, clock: FakeClock
) -> None:
    issued = new_key(services, group_id)
    token = token_for(services, issued)
    services.keys.revoke(TENANT, issued.key.key_id, OPERATOR)
    runtime = runtime_for(services, clock, Shape.REST_REQUEST)
    response = authorize(event(Shape.REST_REQUEST, token, ALLOWED, OUTSIDE), runtime)
    assert allowed(Shape.REST_REQUEST, response, ALLOWED), "the documented bound: its lifetime"
    assert services.access_tokens is not None
    with pytest.raises(ClientRefused):
        token_for(services, issued)  # ... but the revoked key gets no new token
    clock.advance(seconds=331)
    with pytest.raises(Unauthorized):
        authorize(event(Shape.REST_REQUEST, token, ALLOWED, OUTSIDE), runtime)


@pytest.mark.parametrize("shape", [Shape.REST_REQUEST, Shape.HTTP_IAM], ids=str)
def test_a_key_and_a_token_together_are_unauthorized(
    services: Services, group_id: str, clock: FakeClock, shape: Shape
) -> None:
    issued = new_key(services, group_id)
    token = token_for(services, issued)
    runtime = runtime_for(services, clock, shape)
    both = event(shape, token, ALLOWED, OUTSIDE)
    headers = both["headers"]
    headers["x-api-key" if shape is Shape.HTTP_IAM else "X-API-Key"] = issued.token
    with pytest.raises(Unauthorized):
        authorize(both, runtime)


def test_without_a_configured_issuer_every_token_is_unauthorized(
    services: Services, group_id: str, clock: FakeClock
) -> None:
    token = token_for(services, new_key(services, group_id))
    runtime = build_runtime(replace(services.settings, access_tokens=AccessTokenSettings()), clock)
    with pytest.raises(Unauthorized):
        authorize(event(Shape.REST_REQUEST, token, ALLOWED, OUTSIDE), runtime)


def test_unreachable_signing_keys_fail_closed(
    services: Services, group_id: str, clock: FakeClock
) -> None:
    class Broken:
        def public_keys(self) -> dict[str, bytes]:
            raise RuntimeError("KMS is down")

        def complete(self) -> bool:
            return False

    token = token_for(services, new_key(services, group_id))
    runtime = build_runtime(services.settings, clock, token_keys=Broken())
    response = authorize(event(Shape.REST_REQUEST, token, ALLOWED, OUTSIDE), runtime)
    assert explicitly_denies(response, Shape.REST_REQUEST.method_arn(*ALLOWED))
    assert not iam_allows(response, Shape.REST_REQUEST.method_arn(*ALLOWED))


def repeated(shape: Shape, first: str, last: str, route: tuple[str, str]) -> dict[str, Any]:
    """An event whose Authorization header came twice, as each gateway passes that on."""
    method, path = route
    if shape is Shape.TOKEN:  # the identity source's value, joined
        return token_event(f"Bearer {first},Bearer {last}", method, path)
    if shape is Shape.REST_REQUEST:  # the last in headers, both in multiValueHeaders
        built = rest_request_event(
            None, method, path, OUTSIDE, extra_headers={"Authorization": f"Bearer {last}"}
        )
        built["multiValueHeaders"] = {"Authorization": [f"Bearer {first}", f"Bearer {last}"]}
        return built
    # HTTP API payload 2.0 joins repeated headers with a comma.
    joined = {"Authorization": f"Bearer {first},Bearer {last}"}
    return http_event(None, method, path, OUTSIDE, extra_headers=joined)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_two_authorization_headers_are_denied_as_ambiguous_on_every_shape(
    services: Services, group_id: str, clock: FakeClock, shape: Shape
) -> None:
    good = token_for(services, new_key(services, group_id))
    bad = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    runtime = runtime_for(services, clock, shape)
    for first, last in (
        (bad, good),
        (good, bad),
        (good, token_for(services, new_key(services, group_id))),
    ):
        response = authorize(repeated(shape, first, last, ALLOWED), runtime)
        assert not allowed(shape, response, ALLOWED)
        if shape is not Shape.HTTP_SIMPLE:
            assert response["principalId"] == "ambiguous"
            assert explicitly_denies(response, shape.method_arn(*ALLOWED))


def test_a_genuine_token_denied_is_logged_with_its_deny_reason_not_as_valid(
    services: Services, group_id: str, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    token = token_for(services, new_key(services, group_id, ("10.0.0.0/8",)), INSIDE)
    runtime = runtime_for(services, clock, Shape.REST_REQUEST)
    capsys.readouterr()

    for route, source in [(ALLOWED, INSIDE), (FORBIDDEN, INSIDE), (ALLOWED, OUTSIDE)]:
        authorize(event(Shape.REST_REQUEST, token, route, source), runtime)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    outcomes = [line["outcome"] for line in lines if line.get("message") == "decision"]
    assert outcomes == ["TOKEN_VALID", "ROUTE_NOT_ALLOWED", "IP_NOT_ALLOWED"]
