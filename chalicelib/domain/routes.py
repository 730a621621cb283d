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

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*")
ALL_ROUTES = "* /*"
# Characters an execute-api resource path may hold, plus the wildcard. "?" is refused
# because IAM would read it as a one-character wildcard. (The API's document states the
# same rules as regular expressions: chalicelib/api/schemas/common.py.)
PATH_CHARS = r"A-Za-z0-9\-._~!$&'()+,;=:@%/{}"
_PATH = re.compile(rf"/[{PATH_CHARS}*]*")


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
    return f"{method} {path}"


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    method, _, path = pattern.partition(" ")
    method_rx = "[^ ]+" if method == "*" else re.escape(method)
    path_rx = ".*".join(re.escape(part) for part in path.split("*"))
    return re.compile(f"{method_rx} {path_rx}", re.DOTALL)


def route_allowed(patterns: tuple[str, ...], method: str, path: str) -> bool:
    """True when ``METHOD path`` matches one of the group's patterns."""
    route = f"{method.upper()} {path}"
    return any(_compile(pattern).fullmatch(route) for pattern in patterns)
