"""API Gateway's authorizer cache, modelled on the example templates' identity sources.

An HTTP API caches a Lambda authorizer's answer under the values of its identity sources
for ``AuthorizerResultTtlInSeconds``. A *simple response* is a yes or no for one request,
so a cached one must never answer another concrete method or path: a group may allow
``GET /orders/7`` and not ``GET /orders/8``. ``$context.routeKey`` is not enough: it is
the route template (``GET /orders/{id}``, ``ANY /{proxy+}``), the same for both.

The model resolves each identity source from the payload 2.0 event API Gateway builds
(tests/support/events.py); a source it does not know fails the test rather than guessing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.infrastructure.conftest import example
from tests.support.events import http_event

KEY = "lk_test_placeholder"  # the header's value only; nothing here is authorized
ADDRESS = "203.0.113.9"


def resolve(source: str, event: dict[str, Any]) -> str:
    """The value API Gateway reads for one identity source of an HTTP API authorizer."""
    context = event["requestContext"]
    if source.startswith("$request.header."):
        value: str = event["headers"][source.removeprefix("$request.header.").lower()]
        return value
    known = {
        "$context.identity.sourceIp": context["http"]["sourceIp"],
        "$context.httpMethod": context["http"]["method"],
        # API Gateway documents $context.path as the request path (with the stage's name
        # in front when the stage is not $default): concrete, never a template.
        "$context.path": context["http"]["path"],
        "$context.routeKey": context["routeKey"],
    }
    if source not in known:
        raise AssertionError(f"the cache model does not know the identity source {source}")
    return str(known[source])


def cache_key(authorizer: dict[str, Any], event: dict[str, Any]) -> tuple[str, ...]:
    return tuple(resolve(source, event) for source in authorizer["IdentitySource"])


def concrete(route_key: str, value: str) -> tuple[str, str]:
    """A concrete request of a route: each ``{param}`` (or ``{proxy+}``) set to ``value``."""
    method, _, template = route_key.partition(" ")
    path = re.sub(r"\{[^}]+\}", value, template)
    return ("GET" if method == "ANY" else method), path


def event_of(route_key: str, method: str, path: str) -> dict[str, Any]:
    event = http_event(KEY, method, path, ADDRESS)
    event["routeKey"] = event["requestContext"]["routeKey"] = route_key
    return event


def templated_routes(template: dict[str, Any]) -> list[str]:
    keys = [
        resource["Properties"]["RouteKey"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::ApiGatewayV2::Route"
    ]
    return [key for key in keys if "{" in key]


def simple_response_authorizers(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::ApiGatewayV2::Authorizer"
        and resource["Properties"].get("EnableSimpleResponses") is True
    ]


def caches(authorizer: dict[str, Any]) -> bool:
    """False only when the TTL is 0 whatever the deployer passes."""
    return bool(authorizer.get("AuthorizerResultTtlInSeconds", 300) != 0)


def test_the_http_example_has_a_simple_response_authorizer_and_a_templated_route() -> None:
    template = example("http-api.yaml")

    assert simple_response_authorizers(template)
    assert "GET /orders/{id}" in templated_routes(template)


@pytest.mark.parametrize("route_key", ["GET /orders/{id}", "ANY /{proxy+}"])
def test_a_cached_simple_response_is_never_reused_for_another_concrete_path(
    route_key: str,
) -> None:
    template = example("http-api.yaml")
    for authorizer in filter(caches, simple_response_authorizers(template)):
        seven = event_of(route_key, *concrete(route_key, "7"))
        eight = event_of(route_key, *concrete(route_key, "8"))

        assert cache_key(authorizer, seven) != cache_key(authorizer, eight)


def test_every_templated_route_of_the_example_keeps_its_paths_apart() -> None:
    template = example("http-api.yaml")
    for route_key in templated_routes(template):
        for authorizer in filter(caches, simple_response_authorizers(template)):
            first = event_of(route_key, *concrete(route_key, "7"))
            second = event_of(route_key, *concrete(route_key, "8"))

            assert cache_key(authorizer, first) != cache_key(authorizer, second), route_key


def test_a_cached_simple_response_is_never_reused_for_another_method() -> None:
    template = example("http-api.yaml")
    for authorizer in filter(caches, simple_response_authorizers(template)):
        get = event_of("ANY /{proxy+}", "GET", "/orders/7")
        delete = event_of("ANY /{proxy+}", "DELETE", "/orders/7")

        assert cache_key(authorizer, get) != cache_key(authorizer, delete)


def test_a_cached_answer_is_never_reused_for_another_key_or_address() -> None:
    template = example("http-api.yaml")
    for authorizer in filter(caches, simple_response_authorizers(template)):
        base = event_of("GET /orders/{id}", "GET", "/orders/7")
        other_address = event_of("GET /orders/{id}", "GET", "/orders/7")
        other_address["requestContext"]["http"]["sourceIp"] = "198.51.100.1"
        other_key = event_of("GET /orders/{id}", "GET", "/orders/7")
        other_key["headers"]["x-api-key"] = "lk_test_other"

        assert cache_key(authorizer, base) != cache_key(authorizer, other_address)
        assert cache_key(authorizer, base) != cache_key(authorizer, other_key)


def test_the_route_key_alone_would_let_a_cached_answer_through() -> None:
    """The model can fail: keyed on the route template, /orders/7 answers /orders/8."""
    authorizer = {"IdentitySource": ["$request.header.X-API-Key", "$context.routeKey"]}
    seven = event_of("GET /orders/{id}", "GET", "/orders/7")
    eight = event_of("GET /orders/{id}", "GET", "/orders/8")

    assert cache_key(authorizer, seven) == cache_key(authorizer, eight)
