"""The HTTP edge's types are real: a handler's ``Call`` is checked against its ``Route``.

``Route[Body, Query]`` (chalicelib/api/operations.py) is inferred from the models it names,
and ``Routes.route`` accepts only a handler of ``Call[Body, Query]``, so a handler reads
``call.body`` as its model without re-annotating it. ``make typecheck`` runs strict mypy over
this file: each ``# type: ignore[arg-type]`` below marks a declaration mypy must refuse, and
strict mypy's ``warn_unused_ignores`` fails the check the day it accepts one. The block is
under TYPE_CHECKING, so no probe route is ever registered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.api.endpoint import Call, Routes
from chalicelib.api.operations import Route
from chalicelib.api.schemas import KeyCreate, KeyListQuery, KeyUpdate

if TYPE_CHECKING:
    from typing import assert_type

    probe = Routes("typing-probe")

    @probe.route(Route("/probe", "POST", summary="", response=None, body=KeyCreate))
    def right_body(call: Call[KeyCreate]) -> None:
        assert_type(call.body, KeyCreate)
        assert_type(call.query, None)

    @probe.route(Route("/probe", "GET", summary="", response=None, query=KeyListQuery))
    def right_query(call: Call[None, KeyListQuery]) -> None:
        assert_type(call.query, KeyListQuery)

    @probe.route(Route("/probe", "POST", summary="", response=None, body=KeyCreate))  # type: ignore[arg-type]
    def other_body(call: Call[KeyUpdate]) -> None: ...

    @probe.route(Route("/probe", "GET", summary="", response=None, query=KeyListQuery))  # type: ignore[arg-type]
    def body_for_a_query(call: Call[KeyListQuery]) -> None: ...

    @probe.route(Route("/probe", "GET", summary="", response=None))  # type: ignore[arg-type]
    def input_for_none(call: Call[KeyCreate]) -> None: ...


def test_a_route_is_generic_in_the_models_it_parses() -> None:
    route = Route("/v1/keys", "POST", summary="Create", response=None, body=KeyCreate)
    assert (route.body, route.query, route.request_body) == (KeyCreate, None, KeyCreate)


def test_a_signed_body_is_documented_but_not_parsed() -> None:
    route = Route("/hook", "POST", summary="Hook", response=None, signed_body=KeyCreate)
    assert (route.body, route.request_body) == (None, KeyCreate)
