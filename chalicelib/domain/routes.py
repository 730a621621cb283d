"""Route patterns of authorization groups, such as ``GET /orders/*`` or ``* /*``.

A pattern is an HTTP method (or ``*``) and a path in which ``*`` matches any run of
characters, ``/`` included. That is exactly how IAM matches the wildcard in an
execute-api ARN, so the policy the authorizer writes from these patterns decides every
route the same way this module does, even when API Gateway serves it from its cache.
Standard library only: this runs on the authorizer's hot path.
"""

from __future__ import annotations

import re
from functools import lru_cache

from chalicelib.domain.paths import is_canonical, path_matches

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*")
ALL_ROUTES = "* /*"
# Characters an execute-api resource path may hold, plus the wildcard. "?" is refused
# because IAM would read it as a one-character wildcard. (The API's document states the
# same rules as regular expressions: chalicelib/api/schemas/common.py.)
PATH_CHARS = r"A-Za-z0-9\-._~!$&'()+,;=:@%/{}"
_PATH = re.compile(rf"/[{PATH_CHARS}*]*")
# Limits on what a group may hold (README, "Route patterns"): they bound the matcher's
# worst case (chalicelib/domain/paths.py) and the size of the authorizer's policy.
MAX_PATTERN_LENGTH = 256
MAX_STARS = 8


class RoutePatternError(ValueError):
    """Raised when a route pattern is not ``METHOD /path``."""


def normalize_pattern(pattern: str) -> str:
    """Validate ``METHOD /path`` and return it with the method upper-cased."""
    method, _, path = pattern.strip().partition(" ")
    # ASCII only: str.upper() turns some other letters into ASCII ones (a long s into "S").
    method = method.upper() if method.isascii() else ""
    if method not in METHODS:
        # Messages never repeat the input: it may be anything a client pasted, even a key.
        raise RoutePatternError(f"the method must be one of {', '.join(METHODS)}")
    if not _PATH.fullmatch(path) or "**" in path:
        raise RoutePatternError("the path must start with / and hold no spaces, ? or **")
    if len(method) + 1 + len(path) > MAX_PATTERN_LENGTH:
        raise RoutePatternError(f"a pattern may be at most {MAX_PATTERN_LENGTH} characters")
    if path.count("*") > MAX_STARS:
        raise RoutePatternError(f"a pattern may hold at most {MAX_STARS} stars")
    return f"{method} {path}"


@lru_cache(maxsize=4096)
def _split(pattern: str) -> tuple[str, tuple[str, ...]]:
    """``METHOD /a*b`` -> (``METHOD``, (``/a``, ``b``)): the literal runs between stars."""
    method, _, path = pattern.partition(" ")
    return method, tuple(path.split("*"))


def _method_matches(wanted: str, method: str) -> bool:
    # A pattern's "*" stands for one method: a word, never empty, never holding a space.
    if wanted == "*":
        return bool(method) and " " not in method
    return wanted == method


def route_allowed(patterns: tuple[str, ...], method: str, path: str) -> bool:
    """True when ``METHOD path`` matches one of the group's patterns.

    A path with a dot-segment (``/../``), plain or percent-encoded, matches no pattern:
    ``GET /orders/*`` must not allow ``/orders/../admin``.
    """
    if not is_canonical(path):
        return False
    method = method.upper()
    for pattern in patterns:
        wanted, parts = _split(pattern)
        if _method_matches(wanted, method) and path_matches(parts, path):
            return True
    return False
