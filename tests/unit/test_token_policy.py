"""The authorizer's IAM evaluator property, extended to access tokens.

A token's routes go through the same policy builder as a key's group routes; this proves a
policy cached for one route decides every other route as a fresh decision would, with
real tokens signed and checked (the PEM signer, PyJWT), judged by the independent IAM
evaluator of tests/support/iam.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.authorizer.bearer import grant_for
from chalicelib.authorizer.policy import respond
from chalicelib.domain.access_tokens import TokenRules, claims_for
from chalicelib.domain.routes import route_allowed
from chalicelib.domain.signing import compact_jws
from chalicelib.domain.token_check import TokenChecker
from tests.support.events import REST_BASE
from tests.support.iam import iam_allows
from tests.support.records import make_group, make_key
from tests.support.routes import FAST, near_routes, patterns, request_for, routes
from tests.token_keys import ISSUER, local_signer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RULES = TokenRules(ISSUER, ISSUER, timedelta(minutes=5))
CHECKER = TokenChecker(local_signer(), ISSUER, ISSUER, lambda: NOW)


def token_with(chosen: tuple[str, ...]) -> str:
    group = make_group(routes=chosen)
    expires = int(NOW.timestamp()) + 300
    return compact_jws(claims_for(RULES, make_key(), group, (), NOW, expires), local_signer())


def token_policy(token: str, route: tuple[str, str]) -> dict[str, object]:
    grant = grant_for(CHECKER.check(token, "198.51.100.7", route))
    assert grant is not None
    return respond(request_for(*route), grant)


@FAST
@given(chosen=st.lists(patterns, min_size=1, max_size=4).map(tuple), data=st.data())
def test_a_token_policy_made_for_one_route_decides_every_other_route_as_a_fresh_one_would(
    chosen: tuple[str, ...], data: st.DataObject
) -> None:
    token = token_with(chosen)
    route_a = data.draw(st.one_of(routes, near_routes(chosen)), label="route A")
    route_b = data.draw(st.one_of(routes, near_routes(chosen)), label="route B")
    policy_a = token_policy(token, route_a)
    policy_b = token_policy(token, route_b)
    arn_b = f"{REST_BASE}/{route_b[0]}{route_b[1]}"
    fresh = iam_allows(policy_b, arn_b)
    assert fresh is route_allowed(chosen, *route_b)
    assert iam_allows(policy_a, arn_b) is fresh
