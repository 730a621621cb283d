"""Route patterns: ``METHOD /path`` where ``*`` matches any run of characters, ``/`` included."""

from __future__ import annotations

import re
import time
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.api.schemas.common import CALL_REGEX, ROUTE_PATTERN_REGEX
from chalicelib.api.schemas.verify import VerifyRequest
from chalicelib.domain.paths import NOT_CANONICAL, is_canonical, path_matches
from chalicelib.domain.routes import (
    ALL_ROUTES,
    MAX_PATTERN_LENGTH,
    MAX_STARS,
    METHODS,
    RoutePatternError,
    normalize_pattern,
    route_allowed,
)
from tests.conftest import Counters
from tests.support.examples import PURE
from tests.support.routes import PATH_CHARS, REQUEST_METHODS

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
    if not is_canonical(path):  # a dot-segment matches nothing (tests below pin the forms)
        return False
    for pattern in patterns:
        pattern_method, pattern_path = pattern.split(" ", 1)
        method_ok = pattern_method == "*" or pattern_method == method.upper()
        if method_ok and oracle_path_matches(pattern_path, path):
            return True
    return False


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


@PURE
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


@PURE
@given(pattern=patterns, data=st.data())
def test_a_pattern_matches_every_path_made_by_filling_its_stars(
    pattern: str, data: st.DataObject
) -> None:
    path = data.draw(witness_paths(pattern).filter(is_canonical), label="path")
    pattern_method = pattern.split(" ", 1)[0]
    method = "GET" if pattern_method == "*" else pattern_method
    assert route_allowed((pattern,), method, path)


# --- the document's regular expressions agree with the checks ------------------------

# Near-misses are what matter: methods in any case, separators, wildcards, path characters
# and every kind of whitespace, including the ones Python, Rust and ECMA-262 disagree on.
PIECES = st.sampled_from(
    [
        *METHODS,
        "get",
        "Post",
        "po\u017ft",
        "GeT",
        " ",
        "  ",
        "/",
        "*",
        "**",
        "?",
        "a",
        "{id}",
        ":",
        "\t",
        "\n",
        "\x1c",
        "\x85",
        "\xa0",
        "\u2028",
        "\u3000",
        "\ufeff",
        "é",
        "",
    ]
)
NEAR_MISSES = st.lists(PIECES, max_size=8).map("".join) | st.text(max_size=12)


@PURE
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


@PURE
@given(NEAR_MISSES)
def test_the_published_call_regex_accepts_exactly_what_verify_accepts(text: str) -> None:
    try:
        VerifyRequest.model_validate({"key": "k", "route": text})
        accepted = True
    except ValidationError:
        accepted = False
    assert bool(re.search(CALL_REGEX, text)) == accepted


# --- the matcher against the regular expressions it replaced ----------------


@cache
def regex_of(pattern: str) -> re.Pattern[str]:
    """The regular-expression matcher Latchkey used first, kept here only as an oracle.

    Backtracking: ``*a*a*a*b`` against a long path costs its length to the power of the
    stars, so it only ever sees the small inputs hypothesis draws.
    """
    method, _, path = pattern.partition(" ")
    method_rx = "[^ ]+" if method == "*" else re.escape(method)
    path_rx = ".*".join(re.escape(part) for part in path.split("*"))
    return re.compile(f"{method_rx} {path_rx}", re.DOTALL)


def regex_allowed(patterns: tuple[str, ...], method: str, path: str) -> bool:
    route = f"{method.upper()} {path}"
    return any(regex_of(pattern).fullmatch(route) for pattern in patterns)


# Letters the stars can fight over, so greedy and lazy choices both get tested.
TIGHT_CHARS = "ab/"
tight_patterns = st.builds(
    lambda method, path: normalize_pattern(f"{method} {path}"),
    st.sampled_from(METHODS),
    st.text(alphabet=TIGHT_CHARS + "*", max_size=10)
    .map(lambda text: "/" + text)
    .filter(lambda path: "**" not in path and path.count("*") <= MAX_STARS),
)


@PURE
@given(
    chosen=st.lists(tight_patterns | patterns, min_size=1, max_size=3).map(tuple),
    method=st.sampled_from((*REQUEST_METHODS, "get", "TRACE")),
    path=st.text(alphabet=TIGHT_CHARS, max_size=16).map(lambda text: "/" + text),
)
def test_the_wildcard_matcher_agrees_with_the_old_regular_expressions(
    chosen: tuple[str, ...], method: str, path: str
) -> None:
    # Canonical paths only: there the old semantics are kept exactly.
    assert route_allowed(chosen, method, path) is regex_allowed(chosen, method, path)


@PURE
@given(
    pattern=tight_patterns | patterns,
    path=st.text(alphabet=PATH_CHARS, max_size=14).map(lambda text: "/" + text),
)
def test_outside_dot_segments_the_old_regular_expressions_decide_the_same(
    pattern: str, path: str
) -> None:
    expected = is_canonical(path) and regex_allowed((pattern,), "GET", path)
    assert route_allowed((pattern,), "GET", path) is expected


# A path of 8 KiB, the patterns that make a backtracking matcher explode on it, and the
# issue's own examples. Each must be decided in well under the authorizer's budget.
EIGHT_KIB = 8 * 1024
PATHOLOGICAL = [
    ("GET /*a*a*a*a*a*a*a*b", "/" + "a" * (EIGHT_KIB - 1)),
    ("GET /*a*a*a*a*a*a*a*a", "/" + "a" * (EIGHT_KIB - 2) + "b"),
    ("GET /*/*/*/*/*/*/*/x", "/" * EIGHT_KIB),
    ("GET /tenants/*/orders/*/items/*/notes/*/x", "/tenants/" + "/orders/" * 1000),
    ("* /*aaaaaaaaaaaaaaab*aaaaaaaaaaaaaab*", "/" + "a" * (EIGHT_KIB - 1)),
    ("GET /" + "*ab" * MAX_STARS, "/" + "ab" * (EIGHT_KIB // 2 - 1) + "a"),
]


@pytest.mark.parametrize(("pattern", "path"), PATHOLOGICAL)
def test_a_pathological_pattern_is_decided_in_linear_time(
    pattern: str, path: str, reliability: Counters
) -> None:
    normalized = normalize_pattern(pattern)  # each is a pattern a group may hold
    start = time.perf_counter()
    for _ in range(10):
        route_allowed((normalized,), "GET", path)
    elapsed = (time.perf_counter() - start) / 10
    reliability.patterns += 1
    # The old regex took seconds on 200 characters; 10 ms on a shared CI core is lenient.
    assert elapsed < 0.010, f"{pattern!r} took {elapsed * 1e6:.0f} us"


def test_the_pathological_patterns_still_match_what_they_should() -> None:
    assert not route_allowed(("GET /*a*a*a*a*a*a*a*b",), "GET", PATHOLOGICAL[0][1])
    assert route_allowed(("GET /*a*a*a*a*a*a*a*b",), "GET", PATHOLOGICAL[0][1] + "b")
    assert route_allowed(("GET /*/*/*/*/*/*/*/x",), "GET", "/" * 100 + "x")


def test_a_star_method_stands_for_one_word_never_one_holding_a_space() -> None:
    assert not route_allowed(("* /*",), "GET /x", "/y")
    assert not route_allowed(("* /*",), "", "/y")


# --- limits ---------------------------------------------------------------------------


def test_a_pattern_may_be_at_most_256_characters() -> None:
    longest = "GET /" + "a" * (MAX_PATTERN_LENGTH - 5)
    assert normalize_pattern(longest) == longest
    with pytest.raises(RoutePatternError, match="at most 256 characters"):
        normalize_pattern(longest + "a")


def test_a_pattern_may_hold_at_most_eight_stars() -> None:
    assert normalize_pattern("GET /" + "*/" * MAX_STARS)
    with pytest.raises(RoutePatternError, match="at most 8 stars"):
        normalize_pattern("GET /" + "*/" * (MAX_STARS + 1))


# --- dot-segments ---------------------------------------------------------------------

NOT_CANONICAL_PATHS = [
    "/orders/../admin",
    "/orders/./7",
    "/orders/..",
    "/orders/.",
    "/..",
    "/orders/%2e%2e/admin",
    "/orders/%2E%2E/admin",
    "/orders/.%2e/admin",
    "/orders/%2e./admin",
    "/orders/..%2fadmin",
    "/orders/..%2Fadmin",
    "/orders/%252e%252e/admin",
    "/orders/%25252e%25252e/admin",
    "/orders/..\\admin",
    "/orders/..%5cadmin",
    "/orders/7%2f..",
]


@pytest.mark.parametrize("path", NOT_CANONICAL_PATHS)
def test_a_dot_segment_in_any_form_matches_no_pattern(path: str) -> None:
    assert not is_canonical(path)
    assert not route_allowed(("GET /orders/*", ALL_ROUTES), "GET", path)


@pytest.mark.parametrize(
    "path", ["/orders/7", "/orders/7.json", "/orders/.well-known", "/a..b/c", "/v1.2/x", "/%20"]
)
def test_dots_inside_a_segment_are_not_dot_segments(path: str) -> None:
    assert is_canonical(path)
    assert route_allowed((ALL_ROUTES,), "GET", path)


@PURE
@given(
    before=st.text(alphabet=PATH_CHARS, max_size=8),
    after=st.text(alphabet=PATH_CHARS, max_size=8),
    dots=st.sampled_from(["/./", "/../", "/%2e%2e/", "/.%2E/", "/..%2f", "/%252e/"]),
)
def test_a_dot_segment_anywhere_makes_every_path_match_nothing(
    before: str, after: str, dots: str
) -> None:
    assert not route_allowed((ALL_ROUTES,), "GET", "/" + before + dots + after)


@PURE
@given(path=st.text(alphabet="ab/.%25eEfFcC\\\n", max_size=16))
def test_the_canonical_check_is_exactly_the_globs_iam_is_given(path: str) -> None:
    # One search on the hot path; the globs are what every policy denies: they must agree.
    by_globs = any(path_matches(tuple(form.split("*")), path) for form in NOT_CANONICAL)
    assert is_canonical(path) is not by_globs
