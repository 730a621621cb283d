"""An independent IAM evaluator: the decision API Gateway derives from an authorizer policy.

Written apart from chalicelib (explicit Deny wins, else any matching Allow, else implicit
deny; ``*`` matches any run of characters, ``?`` exactly one), because what matters is the
decision API Gateway makes, not the policy's text. Its own tests: tests/unit/test_iam_evaluator.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def iam_wildcard_match(pattern: str, text: str) -> bool:
    """IAM's resource matching: ``*`` is any run (possibly empty), ``?`` one character."""
    p = t = 0
    star, resume = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] in ("?", text[t]) and pattern[p] != "*":
            p, t = p + 1, t + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume, p = p, t, p + 1
        elif star >= 0:  # let the last star swallow one more character and retry
            resume += 1
            p, t = star + 1, resume
        else:
            return False
    return all(char == "*" for char in pattern[p:])


def _statement_matches(statement: Mapping[str, Any], method_arn: str) -> bool:
    actions = statement["Action"]
    resources = statement["Resource"]
    actions = [actions] if isinstance(actions, str) else actions
    resources = [resources] if isinstance(resources, str) else resources
    invokes = any(iam_wildcard_match(a.lower(), "execute-api:invoke") for a in actions)
    return invokes and any(iam_wildcard_match(r, method_arn) for r in resources)


def iam_allows(response: Mapping[str, Any], method_arn: str) -> bool:
    """Whether API Gateway lets ``method_arn`` through under this authorizer response."""
    statements = response["policyDocument"]["Statement"]
    if any(s["Effect"] == "Deny" and _statement_matches(s, method_arn) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _statement_matches(s, method_arn) for s in statements)


def explicitly_denies(response: Mapping[str, Any], method_arn: str) -> bool:
    statements = response["policyDocument"]["Statement"]
    return any(s["Effect"] == "Deny" and _statement_matches(s, method_arn) for s in statements)


def policy(*statements: tuple[str, list[str]]) -> dict[str, Any]:
    """An authorizer response holding one Invoke statement per (effect, resources)."""
    return {
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}
                for effect, resources in statements
            ],
        }
    }
