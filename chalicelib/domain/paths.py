"""Request paths against route patterns: the wildcard matcher, and which paths may match.

A dot-segment (``/./``, ``/../``, a trailing ``/..``) means one thing to a pattern matcher
and another to the server behind it, which may resolve it: ``GET /orders/*`` would allow
``/orders/../admin``. So would its encoded forms (``%2e%2e``, ``..%2f``) and double
encoding (``%252e``) for a server that decodes once more. A path holding any of the forms
below matches no pattern. They are globs, written so that IAM can state the same rule as
an explicit Deny in every policy the authorizer writes (chalicelib/authorizer/policy.py):
a policy API Gateway caches then refuses these paths exactly as this module does. Hence
coarse rules IAM can express (any encoded dot, any encoded "%") rather than decoding.
Standard library only: this runs on the authorizer's hot path.
"""

from __future__ import annotations

import re

# Globs over a path; each starts with "*" so that "{api}/*<rest>" is the same rule in IAM.
NOT_CANONICAL = (
    "*/./*",
    "*/../*",
    "*/.",
    "*/..",
    # "." is unreserved (RFC 3986, 2.3): no client needs to encode it, so any encoded dot
    # is refused, and any encoded "%", which is how double encoding (%252e) starts.
    "*%2e*",
    "*%2E*",
    "*%25*",
    # A dot beside an encoded slash or a backslash (plain or encoded): "..%2f", "%5c..".
    *(f"*{edge}*" for sep in ("%2f", "%2F", "\\", "%5c", "%5C") for edge in (f".{sep}", f"{sep}.")),
)


def path_matches(parts: tuple[str, ...], path: str) -> bool:
    """True when ``path`` is the literal runs ``parts`` with anything between them.

    ``parts`` is a glob split at its stars (``/a*b`` -> ``("/a", "b")``). Not a regular
    expression: ``re`` backtracks, and ``*a*a*a*b`` against a long path costs its length
    to the power of the stars. Here the first run must be a prefix and the last a suffix;
    each middle run is found left to right with ``str.find``, and its leftmost place is
    always the best one (it leaves the most room for the runs after it). So each run
    scans the path at most once: O(len(path) x len(pattern)) at worst, in C.
    """
    first, last = parts[0], parts[-1]
    if len(parts) == 1:
        return path == first
    if len(path) < len(first) + len(last):
        return False
    if not (path.startswith(first) and path.endswith(last)):
        return False
    start, end = len(first), len(path) - len(last)
    for middle in parts[1:-1]:
        found = path.find(middle, start, end)
        if found < 0:
            return False
        start = found + len(middle)
    return True


def _one_search(forms: tuple[str, ...]) -> re.Pattern[str]:
    """The globs as one search: ``*x*`` is "holds x", ``*x`` is "ends with x".

    Literal alternatives only, no quantifier: one pass over the path, whatever it holds
    (17 separate glob matches cost ten times as much on the hot path).
    """
    alternatives = []
    for form in forms:
        inner = form.removeprefix("*")
        assert form.startswith("*"), form
        assert "*" not in inner.removesuffix("*"), form
        literal = re.escape(inner.removesuffix("*"))
        alternatives.append(literal if inner.endswith("*") else literal + r"\Z")
    return re.compile("|".join(alternatives))


_NOT_CANONICAL = _one_search(NOT_CANONICAL)


def is_canonical(path: str) -> bool:
    """False when ``path`` holds a dot-segment or one of its encoded forms."""
    if "." not in path and "%" not in path and "\\" not in path:
        return True  # the common case, decided without a search
    return _NOT_CANONICAL.search(path) is None
