"""What the OpenAPI document says of each route, recorded as ``Routes.route`` declares it.

chalicelib/api/endpoint.py appends one :class:`Operation` per route to ``OPERATIONS``;
chalicelib/api/openapi.py writes the document from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one route."""

    path: str
    method: str
    summary: str
    status: int
    response: type[BaseModel] | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    tags: tuple[str, ...] = field(default_factory=tuple)
    public: bool = False
    # Accepts Idempotency-Key; a replay answers 200 with ``replay``.
    replay: type[BaseModel] | None = None
    # No body at all means the body model's defaults (rotate).
    body_optional: bool = False
    # Leaked keys: request headers the route requires (GitHub's signature headers).
    headers: tuple[str, ...] = ()
    # Takes Confirm-Self-Lockout: the change may take the calling key's own access away.
    confirms_lockout: bool = False


OPERATIONS: list[Operation] = []
