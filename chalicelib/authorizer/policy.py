"""Builds the authorizer's answer: an IAM policy, or an HTTP API simple response.

An allowed key gets a policy that allows exactly its group's routes, as execute-api ARNs
of the calling API and stage, so a policy API Gateway caches is right for every route: API
Gateway evaluates the cached policy against each later request. A refused key gets an
explicit Deny, never a policy with an empty Allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.authorizer.events import AuthRequest
from chalicelib.clock import iso_z
from chalicelib.domain.access import Access
from chalicelib.domain.paths import NOT_CANONICAL
from chalicelib.domain.routes import ALL_ROUTES, METHODS
from chalicelib.domain.verification import Outcome

# A pattern's "*" method is written as one ARN per method: in an ARN, "*" in the method's
# place could also swallow part of the path, which the pattern never means.
CONCRETE_METHODS = tuple(method for method in METHODS if method != "*")
# Outcomes where the key is good but this one route is not: the group's routes stay allowed.
REFUSED_ROUTE = (Outcome.ROUTE_NOT_ALLOWED, Outcome.PATH_NOT_CANONICAL)


def route_resources(arn_base: str, patterns: tuple[str, ...]) -> list[str]:
    """The execute-api ARNs that allow exactly ``patterns``."""
    resources: list[str] = []
    for pattern in patterns:
        if pattern == ALL_ROUTES:
            resources.append(f"{arn_base}/*")
            continue
        method, _, path = pattern.partition(" ")
        methods = CONCRETE_METHODS if method == "*" else (method,)
        resources += [f"{arn_base}/{each}{path}" for each in methods]
    return list(dict.fromkeys(resources))


def not_canonical_resources(arn_base: str) -> list[str]:
    """Every path with a dot-segment, as execute-api ARNs (domain/paths.py's own globs).

    Sent beside every Allow, so a policy API Gateway caches refuses ``/orders/../admin``
    even though its Allow of ``GET/orders/*`` would cover it.
    """
    return [f"{arn_base}/{form}" for form in NOT_CANONICAL]


def _statement(effect: str, resources: list[str]) -> dict[str, Any]:
    return {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}


def context_of(access: Access) -> dict[str, str]:
    """What downstream integrations see in ``$context.authorizer``: scalars only."""
    key, group = access.key, access.group
    if key is None:
        return {}
    return {
        "tenant_id": key.tenant_id,
        "key_id": key.key_id,
        "key_name": key.name,
        "group_id": key.group_id,
        "permissions": ",".join(group.permissions) if group else "",
        "expires_at": iso_z(key.expires_at) if key.expires_at else "",
    }


@dataclass(frozen=True)
class Grant:
    """What a policy is built from, whichever credential was decided (a key or a token)."""

    principal: str
    outcome: Outcome
    routes: tuple[str, ...]  # the group's route patterns; () when there is no group
    context: dict[str, str]


def answer(request: AuthRequest, access: Access, simple: bool) -> dict[str, Any]:
    """The response API Gateway expects for this request's event shape."""
    if request.http_api and simple:
        return {"isAuthorized": access.valid, "context": context_of(access)}
    assert access.key is not None, "unknown keys are refused with Unauthorized, not a policy"
    routes = access.group.routes if access.group else ()
    return respond(request, Grant(access.key.key_id, access.outcome, routes, context_of(access)))


def respond(request: AuthRequest, grant: Grant, simple: bool = False) -> dict[str, Any]:
    """The policy (or simple response) for a decided grant: one builder for keys and tokens."""
    if request.http_api and simple:
        return {"isAuthorized": grant.outcome is Outcome.VALID, "context": grant.context}
    statements = []
    allowed = route_resources(request.arn_base, grant.routes)
    if allowed and grant.outcome in (Outcome.VALID, *REFUSED_ROUTE):
        # The group's routes stay allowed even when this route is not one of them, so a
        # cached copy of this policy still serves the key's other routes correctly.
        statements.append(_statement("Allow", allowed))
        statements.append(_statement("Deny", not_canonical_resources(request.arn_base)))
    if grant.outcome in REFUSED_ROUTE and statements:
        # IAM cannot escape wildcards: a path holding "*" or "?" gets no explicit Deny (it
        # would deny other routes too); the Allow does not cover it, so it is still denied.
        if not any(char in request.path for char in "*?"):
            method_arn = f"{request.arn_base}/{request.method}{request.path}"
            statements.append(_statement("Deny", [method_arn]))
    elif not (grant.outcome is Outcome.VALID and statements):  # refused, or no routes
        statements.append(_statement("Deny", [f"{request.arn_base}/*"]))
    return {
        "principalId": grant.principal,
        "policyDocument": {"Version": "2012-10-17", "Statement": statements},
        "context": grant.context,
    }
