"""Ids in paths, checked against their format before anything reads them.

A key id is 16 base62 characters, a group id ``grp_`` and 16 more, a webhook endpoint's
id ``wh_`` and 32 hex digits, a tenant's id its name's rule: nothing else can name one. An
id of any other shape answers the same 404 as an unknown id, with no DynamoDB request:
DynamoDB refuses a key over 2,048 bytes with a ValidationException, which would otherwise
reach the client as our outage (a 503 that the 5xx alarm counts and clients retry), and
every other shape would cost a read that can find nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from chalicelib.domain.errors import NotFound
from chalicelib.domain.groups import GROUP_ID_PATTERN
from chalicelib.domain.key_format import KEY_ID_PATTERN
from chalicelib.domain.tenants import TENANT_NAME
from chalicelib.domain.webhooks import WEBHOOK_ID_PATTERN

# Each path parameter: its format, and the detail of the 404 an unknown id gets (the same
# text storage raises, so the two answers cannot be told apart).
FORMATS: dict[str, tuple[str, str]] = {
    "key_id": (KEY_ID_PATTERN, "no key with this id"),
    "group_id": (GROUP_ID_PATTERN, "no group with this id"),
    "webhook_id": (WEBHOOK_ID_PATTERN, "no webhook endpoint with this id"),
    "tenant_id": (f"^{TENANT_NAME.pattern}$", "no such tenant"),
}
_COMPILED = {name: re.compile(pattern) for name, (pattern, _) in FORMATS.items()}


def check_ids(params: Mapping[str, str]) -> None:
    """NotFound for the first id in ``params`` whose shape no stored id can have."""
    for name, value in params.items():
        pattern = _COMPILED.get(name)
        if pattern is not None and not pattern.fullmatch(value):
            raise NotFound(FORMATS[name][1])


def schema_for(name: str) -> dict[str, str]:
    """The OpenAPI schema of path parameter ``name``."""
    found = FORMATS.get(name)
    return {"type": "string"} if found is None else {"type": "string", "pattern": found[0]}
