"""Whitespace, spelled out once for every regular expression the API publishes.

``\\s`` means a different set in Python, in ECMA-262 (the regexes of JSON Schema, which
schemathesis and clients validate with) and in Rust (pydantic's own patterns). This class
is exactly what ``str.isspace()`` and ``str.strip()`` call whitespace, and reads the same
in all three. Standard library only: route patterns use it on the authorizer's path.
"""

from __future__ import annotations

_CHARS = "\\t-\\r\\x1c- \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
SPACE = f"[{_CHARS}]"
NOT_SPACE = f"[^{_CHARS}]"
