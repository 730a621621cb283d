"""Each management route, declared once as a :class:`Route`: what it parses, answers and
documents.

``Routes.route`` (chalicelib/api/endpoint.py) serves a handler for a ``Route`` and appends
the ``Route`` to ``OPERATIONS``; chalicelib/api/openapi.py writes the document from them.
A ``Route`` is generic in the models it parses, ``Route[Body, Query]``, so the handler's
``Call[Body, Query]`` is checked against it by mypy: a handler never re-annotates its input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, cast

from pydantic import BaseModel
from typing_extensions import TypeVar

# The parsed body and query of a route; None when the route has none.
Body = TypeVar("Body", bound=BaseModel | None, default=None)
Query = TypeVar("Query", bound=BaseModel | None, default=None)


@dataclass(frozen=True)
class Route(Generic[Body, Query]):
    """One route: its method and path, its input and answer models, and what the OpenAPI
    document says of it."""

    path: str
    method: str
    summary: str
    response: type[BaseModel] | None
    status: int = 200
    # The JSON body, parsed before the handler runs (a malformed one is 400, a wrong one 422).
    body: type[Body] | None = None
    # No body at all means the body model's defaults (rotate).
    body_optional: bool = False
    query: type[Query] | None = None
    errors: tuple[int, ...] = ()
    tag: str = "keys"
    # No credential: anyone may call it (the handler proves what it needs).
    public: bool = False
    # Accepts Idempotency-Key; a replay answers 200 with ``replay``.
    replay: type[BaseModel] | None = None
    # A body the handler checks the signature of before parsing it (GitHub's reports): it is
    # documented, never parsed here, so ``call.body`` is None and ``call.raw_body`` holds it.
    signed_body: type[BaseModel] | None = None
    # Request headers the route requires (GitHub's signature headers).
    headers: tuple[str, ...] = ()
    # Takes Confirm-Self-Lockout: the change may take the calling key's own access away.
    confirms_lockout: bool = False
    # Only a platform credential may call it (the provider's side, under /v1/platform).
    platform: bool = False

    @property
    def tags(self) -> tuple[str, ...]:
        return (self.tag,)

    @property
    def request_body(self) -> type[BaseModel] | None:
        """The body the OpenAPI document shows: parsed here or by the handler."""
        return parsed_model(self.body) or self.signed_body


def parsed_model(model: type[Any] | None) -> type[BaseModel] | None:
    """``Route.body`` or ``Route.query`` as the pydantic model it is (``type[Body]`` also
    admits ``type[None]`` for mypy, since Body may be None; a route never holds that)."""
    return cast("type[BaseModel] | None", model)


OPERATIONS: list[Route[Any, Any]] = []
