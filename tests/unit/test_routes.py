"""Route patterns: ``METHOD /path`` where ``*`` matches any run of characters, ``/`` included."""

from __future__ import annotations

import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.api.schemas.common import CALL_REGEX, ROUTE_PATTERN_REGEX
from chalicelib.api.schemas.verify import VerifyRequest
from chalicelib.domain.routes import (
    ALL_ROUTES,
    METHODS,
    RoutePatternError,
    normalize_pattern,
    route_allowed,
)

FAST = settings(max_examples=200, deadline=None, database=None)
REQUEST_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


# --- normalize_pattern -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "normalized"),
    [
        ("GET /orders", "GET /orders"),
        ("get /orders/*", "GET /orders/*"),
        ("Patch /orders/{id}", "PATCH /orders/{id}"),
        ("* /*", "* /*"),
        ("  DELETE /a/b  ", "DELETE /a/b"),
        ("options /", "OPTIONS /"),
        ("GET /v1/*/items/*.json", "GET /v1/*/items/*.json"),
        ("GET /a-b_c~d!$&'()+,;=:@%20", "GET /a-b_c~d!$&'()+,;=:@%20"),
    ],
)
def test_valid_patterns_come_back_with_the_method_upper_cased(
    pattern: str, normalized: str
) -> None:
    assert normalize_pattern(pattern) == normalized


@pytest.mark.parametrize("method", METHODS)
def test_every_listed_method_is_accepted(method: str) -> None:
    assert normalize_pattern(f"{method.lower()} /x") == f"{method} /x"


@pytest.mark.parametrize("pattern", ["FETCH /x", "TRACE /x", "GETS /x", "/x", " /x", "G*T /x"])
def test_an_unknown_method_is_refused(pattern: str) -> None:
    with pytest.raises(RoutePatternError, match="method must be one of"):
        normalize_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "GET orders",
        "GET *",
        "GET",
        "GET ",
        "GET  /x",
        "GET /x y",
        "GET\t/x",
        "GET /orders?id=1",
        "GET /orders/?",
        "GET /orders/**",
        "GET /**/x",
        "GET /x#frag",
        'GET /x"',
        "GET /x\\y",
        "GET /é",
    ],
)
def test_a_bad_path_is_refused(pattern: str) -> None:
    with pytest.raises(RoutePatternError):
        normalize_pattern(pattern)


def test_a_question_mark_is_refused_because_iam_reads_it_as_a_wildcard() -> None:
    with pytest.raises(RoutePatternError, match="path must start with /"):
        normalize_pattern("GET /order?")


def test_a_double_star_is_refused() -> None:
    with pytest.raises(RoutePatternError, match="path must start with /"):
        normalize_pattern("GET /a/**")


def test_the_error_is_a_value_error() -> None:
    assert issubclass(RoutePatternError, ValueError)


# --- route_allowed ---------------------------------------------------------------------


def test_all_routes_pattern_matches_everything() -> None:
    assert ALL_ROUTES == "* /*"
    for method in REQUEST_METHODS:
        for path in ("/", "/v1", "/v1/keys/abc/rotate", "/a/b/c/d/e"):
            assert route_allowed((ALL_ROUTES,), method, path)


def test_exact_path_matches_only_itself() -> None:
    patterns = ("GET /orders",)
    assert route_allowed(patterns, "GET", "/orders")
    assert not route_allowed(patterns, "GET", "/orders/")
    assert not route_allowed(patterns, "GET", "/orders/1")
    assert not route_allowed(patterns, "GET", "/order")
    assert not route_allowed(patterns, "GET", "/ordersx")
    assert not route_allowed(patterns, "GET", "/ORDERS")


def test_method_must_match_unless_the_pattern_says_any() -> None:
    assert not route_allowed(("GET /orders",), "POST", "/orders")
    for method in REQUEST_METHODS:
        assert route_allowed(("* /orders",), method, "/orders")


def test_request_method_is_compared_case_insensitively() -> None:
    assert route_allowed(("GET /orders",), "get", "/orders")
    assert route_allowed(("PATCH /orders",), "Patch", "/orders")


def test_star_matches_any_run_of_characters_including_slashes() -> None:
    patterns = ("GET /orders/*",)
    assert route_allowed(patterns, "GET", "/orders/1")
    assert route_allowed(patterns, "GET", "/orders/1/items/2")
    assert route_allowed(patterns, "GET", "/orders/")
    assert not route_allowed(patterns, "GET", "/orders")
    assert not route_allowed(patterns, "GET", "/ordersx/1")


def test_star_in_the_middle_may_span_segments() -> None:
    patterns = ("GET /v1/*/items",)
    assert route_allowed(patterns, "GET", "/v1/a/items")
    assert route_allowed(patterns, "GET", "/v1/a/b/c/items")
    assert route_allowed(patterns, "GET", "/v1//items")
    assert not route_allowed(patterns, "GET", "/v1/a/items/1")


def test_regex_characters_in_a_pattern_are_literal() -> None:
    patterns = ("GET /a.b/(c)+$",)
    assert route_allowed(patterns, "GET", "/a.b/(c)+$")
    assert not route_allowed(patterns, "GET", "/aXb/(c)+$")
    assert not route_allowed(patterns, "GET", "/a.b/cc")


def test_any_of_several_patterns_may_allow() -> None:
    patterns = ("GET /orders/*", "POST /orders")
    assert route_allowed(patterns, "POST", "/orders")
    assert route_allowed(patterns, "GET", "/orders/7")
    assert not route_allowed(patterns, "POST", "/orders/7")
    assert not route_allowed(patterns, "DELETE", "/orders")


def test_no_patterns_allow_nothing() -> None:
    assert not route_allowed((), "GET", "/")


def test_star_matches_a_newline_too() -> None:
    assert route_allowed(("GET /*",), "GET", "/a\nb")


# --- property: agreement with an independent matcher -----------------------------------


@cache
def oracle_path_matches(pattern: str, path: str) -> bool:
    """Recursive glob where ``*`` is any run (possibly empty) of any characters."""
    if not pattern:
        return not path
    if pattern[0] == "*":
        return any(oracle_path_matches(pattern[1:], path[i:]) for i in range(len(path) + 1))
    return bool(path) and path[0] == pattern[0] and oracle_path_matches(pattern[1:], path[1:])


def oracle_allowed(patterns: tuple[str, ...], method: str, path: str) -> bool:
    for pattern in patterns:
        pattern_method, pattern_path = pattern.split(" ", 1)
        method_ok = pattern_method == "*" or pattern_method == method.upper()
        if method_ok and oracle_path_matches(pattern_path, path):
            return True
    return False


PATH_CHARS = "ab/-._~{}:@%"

pattern_paths = (
    st.text(alphabet=PATH_CHARS + "*", max_size=12)
    .map(lambda text: "/" + text)
    .filter(lambda path: "**" not in path)
)
patterns = st.builds(
    lambda method, path: normalize_pattern(f"{method} {path}"),
    st.sampled_from(METHODS),
    pattern_paths,
)
fill = st.text(alphabet=PATH_CHARS, max_size=6)


@st.composite
def witness_paths(draw: st.DrawFn, pattern: str) -> str:
    """A path the pattern should match: each ``*`` replaced by some run of characters."""
    first, *rest = pattern.split(" ", 1)[1].split("*")
    return first + "".join(draw(fill) + piece for piece in rest)


@FAST
@given(
    chosen=st.lists(patterns, min_size=1, max_size=3).map(tuple),
    method=st.sampled_from((*REQUEST_METHODS, "get", "Post", "TRACE")),
    data=st.data(),
)
def test_route_allowed_agrees_with_a_recursive_matcher(
    chosen: tuple[str, ...], method: str, data: st.DataObject
) -> None:
    path = data.draw(
        st.one_of(
            st.text(alphabet=PATH_CHARS, max_size=14).map(lambda text: "/" + text),
            witness_paths(chosen[0]),
        ),
        label="path",
    )
    assert route_allowed(chosen, method, path) is oracle_allowed(chosen, method, path)


@FAST
@given(pattern=patterns, data=st.data())
def test_a_pattern_matches_every_path_made_by_filling_its_stars(
    pattern: str, data: st.DataObject
) -> None:
    path = data.draw(witness_paths(pattern), label="path")
    pattern_method = pattern.split(" ", 1)[0]
    method = "GET" if pattern_method == "*" else pattern_method
    assert route_allowed((pattern,), method, path)


# --- the document's regular expressions agree with the checks ------------------------

# Near-misses are what matter: methods in any case, separators, wildcards, path characters
# and every kind of whitespace, including the ones Python, Rust and ECMA-262 disagree on.
PIECES = st.sampled_from(
    [*METHODS, "get", "Post", "po\u017ft", "GeT", " ", "  ", "/", "*", "**", "?", "a", "{id}", ":",
     "\t", "\n", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "\ufeff", "é", ""]
)
NEAR_MISSES = st.lists(PIECES, max_size=8).map("".join) | st.text(max_size=12)


@FAST
@given(NEAR_MISSES)
def test_the_published_pattern_regex_accepts_exactly_what_normalize_pattern_accepts(
    text: str,
) -> None:
    try:
        normalize_pattern(text)
        accepted = True
    except RoutePatternError:
        accepted = False
    assert bool(re.search(ROUTE_PATTERN_REGEX, text)) == accepted


@FAST
@given(NEAR_MISSES)
def test_the_published_call_regex_accepts_exactly_what_verify_accepts(text: str) -> None:
    try:
        VerifyRequest.model_validate({"key": "k", "route": text})
        accepted = True
    except ValidationError:
        accepted = False
    assert bool(re.search(CALL_REGEX, text)) == accepted
