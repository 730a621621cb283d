"""The one error table: each domain error answers its own status and code."""

from __future__ import annotations

import json

from chalicelib.api.problems import PROBLEMS, Entry, entry_for, problem_for
from chalicelib.domain import errors


class Base(errors.LatchkeyError):
    """Raised in this test only."""


class Special(Base):
    """Raised in this test only; listed after its base."""


class Unlisted(Special):
    """Raised in this test only; not in the table: its nearest listed class answers."""


TABLE: dict[type[Exception], Entry] = {
    Base: (409, "base", "Base"),
    Special: (410, "special", "Special"),
}


def test_a_subclass_listed_after_its_base_gets_its_own_entry() -> None:
    assert list(TABLE) == [Base, Special]  # the order that shadowed it
    assert entry_for(Special, TABLE) == (410, "special", "Special")
    assert entry_for(Base, TABLE) == (409, "base", "Base")


def test_an_unlisted_error_gets_its_nearest_listed_ancestors_entry() -> None:
    assert entry_for(Unlisted, TABLE) == (410, "special", "Special")
    assert entry_for(ValueError, TABLE) is None


def test_every_listed_error_answers_its_own_code_whatever_the_order() -> None:
    for error_type, (status, code, _) in PROBLEMS.items():
        response = problem_for(error_type("why"))
        assert (response.status_code, json.loads(response.body)["code"]) == (status, code)


def test_a_stored_item_nobody_can_read_answers_as_storage_unavailable() -> None:
    response = problem_for(errors.StoredItemUnreadable("bad item"))
    assert (response.status_code, json.loads(response.body)["code"]) == (
        503,
        "service_unavailable",
    )


def test_the_group_limit_is_a_conflict_of_its_own() -> None:
    response = problem_for(errors.GroupLimitReached("full", used=3, limit=3))
    body = json.loads(response.body)
    assert (response.status_code, body["code"], body["used"], body["limit"]) == (
        409,
        "group_limit_reached",
        3,
        3,
    )
