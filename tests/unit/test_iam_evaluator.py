"""The IAM evaluator every authorizer test judges policies with (tests/support/iam.py)."""

from __future__ import annotations

import pytest

from tests.support.events import REST_BASE
from tests.support.iam import iam_allows, iam_wildcard_match, policy


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("a*", "a", True),
        ("a*", "a/b/c", True),
        ("*", "", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "abbc", False),
        ("a*c", "abxc", True),
        ("a*c", "abxcd", False),
        ("*/GET/*", "x/GET/y/GET/z", True),
        ("abc", "ABC", False),
    ],
)
def test_the_evaluator_matches_like_iam(pattern: str, text: str, matches: bool) -> None:
    assert iam_wildcard_match(pattern, text) is matches


def test_the_evaluator_lets_an_explicit_deny_win_and_denies_by_default() -> None:
    arn = f"{REST_BASE}/GET/orders/1"
    assert iam_allows(policy(("Allow", [f"{REST_BASE}/*"])), arn)
    assert not iam_allows(policy(("Allow", [f"{REST_BASE}/*"]), ("Deny", [arn])), arn)
    assert not iam_allows(policy(("Allow", [f"{REST_BASE}/POST/*"])), arn)
    assert not iam_allows(policy(), arn)
