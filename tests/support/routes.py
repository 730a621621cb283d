"""Routes for property tests of authorizer policies: group patterns and requests near them.

A policy cached for one route must decide every other route as a fresh one would; these
strategies draw the routes where a too-wide resource would show (a prefix, a suffix,
another method). Used by tests/unit/test_authorizer_policy.py and test_token_policy.py.
"""

from __future__ import annotations

import re

from hypothesis import settings
from hypothesis import strategies as st

from chalicelib.authorizer.events import AuthRequest
from chalicelib.domain.routes import normalize_pattern
from tests.support.events import REST_BASE
from tests.support.examples import PURE

FAST = settings(PURE, max_examples=300)
CONCRETE = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
REQUEST_METHODS = CONCRETE
# Request paths never hold "*": tests/unit/test_authorizer_policy.py tries the literal star.
PATH_CHARS = "ab/-._~{}:@%"
pattern_paths = (
    st.text(alphabet=PATH_CHARS + "*", max_size=10)
    .map(lambda text: "/" + text)
    .filter(lambda path: "**" not in path)
)
patterns = st.builds(
    lambda method, path: normalize_pattern(f"{method} {path}"),
    st.sampled_from((*REQUEST_METHODS, "*")),
    pattern_paths,
)
request_paths = st.text(alphabet=PATH_CHARS, max_size=10).map(lambda text: "/" + text)
routes = st.tuples(st.sampled_from(REQUEST_METHODS), request_paths)


def request_for(
    method: str, path: str, *, base: str = REST_BASE, http_api: bool = False
) -> AuthRequest:
    """The parsed request of a key's token for ``method path`` on ``base``."""
    return AuthRequest("token", "198.51.100.7", method, path, base, http_api)


@st.composite
def near_routes(draw: st.DrawFn, chosen: tuple[str, ...]) -> tuple[str, str]:
    """A route one of ``chosen`` matches, or one that just misses it.

    Each ``*`` is filled with some characters; then the route may get a prefix, a suffix
    or another method, which is where a too-wide policy resource would show.
    """
    method, _, path = draw(st.sampled_from(chosen)).partition(" ")
    path = "".join(
        piece if piece != "*" else draw(st.text(alphabet=PATH_CHARS, max_size=4))
        for piece in re.split(r"(\*)", path)
    )
    method = draw(st.sampled_from(REQUEST_METHODS)) if method == "*" else method
    change = draw(st.sampled_from(("none", "prefix", "suffix", "method")))
    if change == "prefix":
        path = draw(request_paths) + path
    elif change == "suffix":
        path += draw(st.text(alphabet=PATH_CHARS, min_size=1, max_size=3))
    elif change == "method":
        method = draw(st.sampled_from(REQUEST_METHODS))
    return method, path
