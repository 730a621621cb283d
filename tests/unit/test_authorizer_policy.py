"""The authorizer's answer: IAM policies and simple responses, built from a decided Access.

Pure: no AWS. Each policy is judged by the independent IAM evaluator of tests/support/iam.py,
because what matters is the decision API Gateway derives from the policy, not its text.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.authorizer.events import parse_event
from chalicelib.authorizer.policy import answer, context_of, route_resources
from chalicelib.domain.access import Access
from chalicelib.domain.paths import NOT_CANONICAL, is_canonical
from chalicelib.domain.records import Group
from chalicelib.domain.routes import route_allowed
from chalicelib.domain.verification import Outcome
from tests.support.events import HTTP_BASE, REST_BASE, TOKEN_BASE, rest_request_event, token_event
from tests.support.iam import explicitly_denies, iam_allows, policy
from tests.support.records import NOW, make_group, make_key
from tests.support.routes import CONCRETE, FAST, near_routes, patterns, request_for, routes


def decided(group: Group | None, method: str, path: str) -> Access:
    """The Access AccessControl decides for a valid key of ``group`` on ``method path``."""
    if not is_canonical(path):
        return Access(Outcome.PATH_NOT_CANONICAL, make_key(), group)
    if group is None or not route_allowed(group.routes, method, path):
        return Access(Outcome.ROUTE_NOT_ALLOWED, make_key(), group)
    return Access(Outcome.VALID, make_key(), group)


# --- route_resources -----------------------------------------------------------------------


def test_all_routes_is_one_wildcard_resource_for_the_calling_api_and_stage() -> None:
    assert route_resources(REST_BASE, ("* /*",)) == [f"{REST_BASE}/*"]


def test_a_concrete_method_keeps_its_path_and_its_wildcards() -> None:
    assert route_resources(REST_BASE, ("GET /orders/*", "POST /orders")) == [
        f"{REST_BASE}/GET/orders/*",
        f"{REST_BASE}/POST/orders",
    ]


def test_a_method_wildcard_is_one_resource_per_concrete_method() -> None:
    # "*/admin" in the method's place would also match ".../GET/x/admin": never written.
    assert route_resources(REST_BASE, ("* /admin",)) == [
        f"{REST_BASE}/{method}/admin" for method in CONCRETE
    ]


def test_the_root_path_is_the_method_with_a_trailing_slash() -> None:
    assert route_resources(REST_BASE, ("GET /",)) == [f"{REST_BASE}/GET/"]
    # ... which is exactly the method ARN API Gateway sends for the root resource.
    root = parse_event(rest_request_event("t", "GET", "/", "198.51.100.7"))
    assert (root.method, root.path, root.arn_base) == ("GET", "/", REST_BASE)
    assert iam_allows(
        policy(("Allow", route_resources(REST_BASE, ("GET /",)))), f"{REST_BASE}/GET/"
    )


def test_resources_are_written_once_in_first_seen_order() -> None:
    resources = route_resources(REST_BASE, ("GET /a", "* /a", "GET /a", "POST /b", "POST /b"))
    assert resources == [
        f"{REST_BASE}/GET/a",
        *(f"{REST_BASE}/{method}/a" for method in CONCRETE if method != "GET"),
        f"{REST_BASE}/POST/b",
    ]


def test_no_patterns_make_no_resources() -> None:
    assert route_resources(REST_BASE, ()) == []


# --- answer: IAM policies ------------------------------------------------------------------

# Beside every Allow: the dot-segment forms, so a cached policy refuses them too.
NOT_CANONICAL_DENY = {
    "Action": "execute-api:Invoke",
    "Effect": "Deny",
    "Resource": [f"{REST_BASE}/{form}" for form in NOT_CANONICAL],
}


def test_a_valid_key_gets_exactly_its_groups_routes_and_its_id_as_principal() -> None:
    response = answer(
        request_for("GET", "/orders/7"), decided(make_group(), "GET", "/orders/7"), False
    )
    assert response["principalId"] == "0123456789abcdef"
    assert response["policyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": [f"{REST_BASE}/GET/orders/*", f"{REST_BASE}/POST/orders"],
            },
            NOT_CANONICAL_DENY,
        ],
    }


@pytest.mark.parametrize("outcome", [Outcome.REVOKED, Outcome.EXPIRED, Outcome.IP_NOT_ALLOWED])
def test_a_refused_key_gets_one_explicit_deny_of_everything_and_no_allow(
    outcome: Outcome,
) -> None:
    response = answer(request_for("GET", "/orders/7"), Access(outcome, make_key()), False)
    assert response["principalId"] == "0123456789abcdef"
    assert response["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [f"{REST_BASE}/*"]}
    ]


def test_a_route_outside_the_group_is_denied_explicitly_and_the_group_stays_allowed() -> None:
    access = decided(make_group(), "DELETE", "/orders/7")
    response = answer(request_for("DELETE", "/orders/7"), access, False)
    assert response["policyDocument"]["Statement"] == [
        {
            "Action": "execute-api:Invoke",
            "Effect": "Allow",
            "Resource": [f"{REST_BASE}/GET/orders/*", f"{REST_BASE}/POST/orders"],
        },
        NOT_CANONICAL_DENY,
        {
            "Action": "execute-api:Invoke",
            "Effect": "Deny",
            "Resource": [f"{REST_BASE}/DELETE/orders/7"],
        },
    ]


def test_a_key_whose_group_is_gone_is_denied_with_no_allow_at_all() -> None:
    response = answer(request_for("GET", "/orders/7"), decided(None, "GET", "/orders/7"), False)
    assert [s["Effect"] for s in response["policyDocument"]["Statement"]] == ["Deny"]
    assert explicitly_denies(response, f"{REST_BASE}/GET/orders/7")


def test_no_statement_ever_has_an_empty_resource_list() -> None:
    access = decided(make_group(routes=()), "GET", "/orders/7")
    response = answer(request_for("GET", "/orders/7"), access, False)
    assert all(s["Resource"] for s in response["policyDocument"]["Statement"])
    assert explicitly_denies(response, f"{REST_BASE}/GET/orders/7")


def test_an_http_api_in_iam_mode_gets_a_policy_on_its_route_arns() -> None:
    request = request_for("GET", "/orders/7", base=HTTP_BASE, http_api=True)
    response = answer(request, decided(make_group(), "GET", "/orders/7"), simple=False)
    assert iam_allows(response, f"{HTTP_BASE}/GET/orders/7")
    assert response["policyDocument"]["Statement"][0]["Resource"][0].startswith(HTTP_BASE + "/")


# --- answer: simple responses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "authorized"),
    [
        (decided(make_group(), "GET", "/orders/7"), True),
        (decided(make_group(), "DELETE", "/orders/7"), False),
        (Access(Outcome.REVOKED, make_key()), False),
        (Access(Outcome.EXPIRED, make_key()), False),
        (Access(Outcome.IP_NOT_ALLOWED, make_key()), False),
    ],
)
def test_an_http_api_in_simple_mode_gets_is_authorized_and_the_context(
    access: Access, authorized: bool
) -> None:
    request = request_for("GET", "/orders/7", base=HTTP_BASE, http_api=True)
    assert answer(request, access, simple=True) == {
        "isAuthorized": authorized,
        "context": context_of(access),
    }


def test_simple_mode_never_applies_to_rest_apis() -> None:
    response = answer(
        request_for("GET", "/orders/7"), decided(make_group(), "GET", "/orders/7"), True
    )
    assert "isAuthorized" not in response
    assert iam_allows(response, f"{REST_BASE}/GET/orders/7")


# --- context -------------------------------------------------------------------------------


def test_the_context_names_the_key_its_tenant_group_permissions_and_expiry() -> None:
    key = make_key(expires_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert context_of(Access(Outcome.VALID, key, make_group())) == {
        "tenant_id": "acme",
        "key_id": "0123456789abcdef",
        "key_name": "Billing worker",
        "group_id": "grp_orders",
        "permissions": "orders:read,orders:write",
        "expires_at": "2027-01-01T00:00:00Z",
    }


@pytest.mark.parametrize(
    "access",
    [
        Access(Outcome.VALID, make_key(), make_group()),
        Access(Outcome.VALID, make_key(expires_at=NOW + timedelta(days=3)), make_group()),
        Access(Outcome.REVOKED, make_key()),
        Access(Outcome.ROUTE_NOT_ALLOWED, make_key(), None),
        Access(Outcome.VALID, make_key(), make_group(permissions=())),
    ],
)
def test_every_context_value_is_a_string_as_api_gateway_requires(access: Access) -> None:
    context = context_of(access)
    assert set(context) == {
        "tenant_id",
        "key_id",
        "key_name",
        "group_id",
        "permissions",
        "expires_at",
    }
    assert all(isinstance(value, str) for value in context.values())


def test_a_key_without_expiry_or_permissions_has_empty_strings_not_nulls() -> None:
    context = context_of(Access(Outcome.VALID, make_key(), make_group(permissions=())))
    assert (context["expires_at"], context["permissions"]) == ("", "")


# --- events: method ARNs -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/things:batchGet", "/reports/2026-11-24T12:00:00Z/csv"])
def test_a_colon_in_the_path_belongs_to_the_path(path: str) -> None:
    parsed = parse_event(token_event("t", "GET", path))
    assert (parsed.arn_base, parsed.method, parsed.path) == (TOKEN_BASE, "GET", path)


# --- the cached-policy property, on pure parts --------------------------------------------


@FAST
@given(chosen=st.lists(patterns, min_size=1, max_size=4).map(tuple), data=st.data())
def test_a_policy_made_for_one_route_decides_every_other_route_as_a_fresh_one_would(
    chosen: tuple[str, ...], data: st.DataObject
) -> None:
    group = make_group(routes=chosen)
    route_a = data.draw(st.one_of(routes, near_routes(chosen)), label="route A")
    route_b = data.draw(st.one_of(routes, near_routes(chosen)), label="route B")
    policy_a = answer(request_for(*route_a), decided(group, *route_a), False)
    policy_b = answer(request_for(*route_b), decided(group, *route_b), False)
    arn_b = f"{REST_BASE}/{route_b[0]}{route_b[1]}"
    fresh = iam_allows(policy_b, arn_b)
    assert fresh is route_allowed(chosen, *route_b)
    assert iam_allows(policy_a, arn_b) is fresh


def test_a_literal_star_in_a_refused_path_does_not_deny_the_groups_routes() -> None:
    group = make_group()  # GET /orders/*, POST /orders
    refused = ("POST", "/orders*")  # not POST /orders, so refused; but "*" is IAM's wildcard
    cached = answer(request_for(*refused), decided(group, *refused), False)
    assert iam_allows(cached, f"{REST_BASE}/POST/orders")
