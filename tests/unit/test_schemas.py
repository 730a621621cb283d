"""Request models of the management API, and the field errors they produce.

Bad input carries ``SENTINEL`` so each test can check the submitted value is not echoed:
``field_errors`` promises never to show it (it might be a secret pasted in the wrong field).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from chalicelib.api.problems import field_errors
from chalicelib.api.schemas import (
    GroupCreate,
    KeyCreate,
    KeyListQuery,
    KeyRotate,
    KeyUpdate,
)
from chalicelib.domain.records import ExpiryState, KeyStatus

SENTINEL = "SENTINEL-VALUE-123"
VALID_KEY = {"name": "Billing worker", "group_id": "grp_1"}


def errors_of(model: type[BaseModel], data: dict[str, Any]) -> list[dict[str, str]]:
    """The field errors ``data`` produces; fails the test if it validates."""
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    return field_errors(raised.value)


def assert_refused(
    model: type[BaseModel], data: dict[str, Any], *fields: str
) -> list[dict[str, str]]:
    """``data`` is refused, each of ``fields`` is listed, and ``SENTINEL`` is not echoed."""
    found = errors_of(model, data)
    listed = {error["field"] for error in found}
    assert set(fields) <= listed, found
    assert SENTINEL not in json.dumps(found)
    return found


def message_for(found: list[dict[str, str]], field: str) -> str:
    return next(error["message"] for error in found if error["field"] == field)


# --- KeyCreate -------------------------------------------------------------------------


def test_a_minimal_key_gets_the_defaults() -> None:
    key = KeyCreate.model_validate(VALID_KEY)
    assert (key.name, key.group_id) == ("Billing worker", "grp_1")
    assert key.description == ""
    assert key.expires_at is None
    assert key.ip_allowlist is None


@pytest.mark.parametrize("name", ["ab", "x" * 200, " a", "  ab  ", "Été", "a\u3000"])
def test_key_name_of_2_to_200_characters_is_kept_as_sent(name: str) -> None:
    # No silent trimming: the lengths the document states are the lengths checked.
    assert KeyCreate.model_validate({**VALID_KEY, "name": name}).name == name


@pytest.mark.parametrize(
    "name", ["", "a", "      ", "\t\n", "\u3000\x1c\x85", "x" * 201, " " + "x" * 200]
)
def test_key_name_too_short_too_long_or_blank_is_refused(name: str) -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "name": name}, "name")


def test_key_name_must_be_a_string() -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "name": [SENTINEL]}, "name")


def test_description_up_to_1000_characters_is_accepted() -> None:
    key = KeyCreate.model_validate({**VALID_KEY, "description": "d" * 1000})
    assert key.description == "d" * 1000


def test_description_over_1000_characters_is_refused() -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "description": SENTINEL + "d" * 1000}, "description")


def test_group_id_is_required() -> None:
    found = assert_refused(KeyCreate, {"name": "ab"}, "group_id")
    assert message_for(found, "group_id") == "Field required"


@pytest.mark.parametrize("group_id", ["", f"{SENTINEL} x", f"{SENTINEL}/x", "x" * 65])
def test_a_malformed_group_id_is_refused(group_id: str) -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "group_id": group_id}, "group_id")


def test_expiry_with_a_zone_is_converted_to_utc() -> None:
    key = KeyCreate.model_validate({**VALID_KEY, "expires_at": "2030-01-01T02:30:00+02:30"})
    assert key.expires_at == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    assert key.expires_at is not None
    assert key.expires_at.tzinfo is UTC


def test_expiry_in_utc_is_kept() -> None:
    key = KeyCreate.model_validate({**VALID_KEY, "expires_at": "2030-01-01T00:00:00Z"})
    assert key.expires_at == datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("expires_at", ["2030-01-01T00:00:00", "2030-01-01"])
def test_expiry_without_a_zone_is_refused(expires_at: str) -> None:
    found = assert_refused(KeyCreate, {**VALID_KEY, "expires_at": expires_at}, "expires_at")
    assert expires_at not in json.dumps(found)


def test_expiry_that_is_not_a_date_is_refused() -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "expires_at": SENTINEL}, "expires_at")


def test_allowlist_accepts_a_list_in_canonical_form() -> None:
    key = KeyCreate.model_validate(
        {**VALID_KEY, "ip_allowlist": ["10.0.0.1/32", "2001:DB8::/32", "10.0.0.1"]}
    )
    assert key.ip_allowlist == ["10.0.0.1", "2001:db8::/32"]


def test_allowlist_accepts_one_newline_separated_string() -> None:
    key = KeyCreate.model_validate(
        {**VALID_KEY, "ip_allowlist": "192.0.2.0/24\n\n  2001:db8::1  \n"}
    )
    assert key.ip_allowlist == ["192.0.2.0/24", "2001:db8::1"]


def test_an_empty_allowlist_is_accepted() -> None:
    assert KeyCreate.model_validate({**VALID_KEY, "ip_allowlist": []}).ip_allowlist == []
    assert KeyCreate.model_validate({**VALID_KEY, "ip_allowlist": ""}).ip_allowlist == []


@pytest.mark.parametrize(
    ("allowlist", "position"),
    [
        (["192.0.2.1", "not-an-address"], 2),
        ("192.0.2.1\n\n10.0.0.5/8", 2),
        (["2001:db8::/129"], 1),
    ],
)
def test_allowlist_junk_is_refused_naming_the_entry(allowlist: Any, position: int) -> None:
    found = assert_refused(KeyCreate, {**VALID_KEY, "ip_allowlist": allowlist}, "ip_allowlist")
    assert f"entry {position}" in message_for(found, "ip_allowlist")


def test_allowlist_junk_is_not_echoed() -> None:
    errors_seen = errors_of(KeyCreate, {**VALID_KEY, "ip_allowlist": ["10.0.0.1", SENTINEL]})
    assert SENTINEL not in json.dumps(errors_seen)


@pytest.mark.parametrize("allowlist", [42, {"a": "10.0.0.1"}, [1, 2], ["10.0.0.1", None]])
def test_allowlist_that_is_not_text_is_refused(allowlist: Any) -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "ip_allowlist": allowlist}, "ip_allowlist")


def test_allowlist_over_100_entries_is_refused() -> None:
    entries = [f"10.0.{i // 256}.{i % 256}" for i in range(101)]
    found = assert_refused(KeyCreate, {**VALID_KEY, "ip_allowlist": entries}, "ip_allowlist")
    assert "at most 100" in message_for(found, "ip_allowlist")


UNKNOWN_FIELD = {
    "field": "body",
    "message": "holds a field this API does not know (not repeated)",
}


def test_an_unknown_field_is_refused_without_repeating_its_name() -> None:
    found = errors_of(KeyCreate, {**VALID_KEY, "expiry": "2030-01-01T00:00:00Z"})
    assert found == [UNKNOWN_FIELD]


def test_an_unknown_fields_value_is_not_echoed() -> None:
    assert_refused(KeyCreate, {**VALID_KEY, "secret": SENTINEL}, "body")


def test_an_unknown_fields_name_is_not_echoed_even_when_it_looks_like_a_key() -> None:
    assert_refused(KeyCreate, {**VALID_KEY, SENTINEL: "x"}, "body")
    assert_refused(GroupCreate, {"name": "Readers", SENTINEL: None}, "body")


def test_every_bad_field_is_listed_at_once() -> None:
    found = assert_refused(
        KeyCreate,
        {"name": "a", "description": "d" * 1001, "expires_at": SENTINEL, "ip_allowlist": 5},
        "name",
        "description",
        "group_id",
        "expires_at",
        "ip_allowlist",
    )
    assert len(found) == 5


# --- KeyUpdate -------------------------------------------------------------------------


def test_update_refuses_expires_at_and_says_to_rotate() -> None:
    found = assert_refused(KeyUpdate, {"expires_at": SENTINEL})
    assert len(found) == 1
    assert "rotate" in found[0]["message"]
    assert "expires_at" in found[0]["message"]


@pytest.mark.parametrize("field", ["name", "group_id"])
def test_update_refuses_null_for_a_required_field(field: str) -> None:
    found = assert_refused(KeyUpdate, {field: None}, field)
    assert message_for(found, field) == "cannot be null"


def test_update_applies_the_create_rules_to_sent_fields() -> None:
    assert_refused(
        KeyUpdate,
        {"name": "a", "description": SENTINEL * 100, "group_id": f"{SENTINEL} x"},
        "name",
        "description",
        "group_id",
    )


def test_update_refuses_unknown_fields() -> None:
    assert_refused(KeyUpdate, {"status": SENTINEL, SENTINEL: 1}, "body")


def test_update_changes_are_only_the_sent_fields() -> None:
    assert KeyUpdate.model_validate({}).edit().sent() == {}
    assert KeyUpdate.model_validate({"name": "New name"}).edit().sent() == {"name": "New name"}
    assert KeyUpdate.model_validate({"description": "x", "group_id": "g2"}).edit().sent() == {
        "description": "x",
        "group_id": "g2",
    }


def test_update_changes_carry_the_allowlist_canonical_as_a_tuple() -> None:
    update = KeyUpdate.model_validate({"ip_allowlist": "10.0.0.1/32\n2001:DB8::1\n10.0.0.1"})
    assert update.edit().sent() == {"ip_allowlist": ("10.0.0.1", "2001:db8::1")}


@pytest.mark.parametrize("cleared", [[], "", None])
def test_update_with_an_empty_or_null_allowlist_clears_it(cleared: Any) -> None:
    assert KeyUpdate.model_validate({"ip_allowlist": cleared}).edit().sent() == {"ip_allowlist": ()}


def test_update_with_a_null_description_is_sent_as_a_clear() -> None:
    # Storage removes the attribute for None and reads it back as "".
    assert KeyUpdate.model_validate({"description": None}).edit().sent() == {"description": None}


# --- KeyRotate -------------------------------------------------------------------------


def test_rotate_defaults_to_no_grace_and_no_new_expiry() -> None:
    rotate = KeyRotate.model_validate({})
    assert rotate.grace_period_seconds == 0
    assert rotate.expires_at is None


@pytest.mark.parametrize("grace", [0, 1, 3600, 86400])
def test_rotate_accepts_a_grace_of_0_to_86400_seconds(grace: int) -> None:
    assert KeyRotate.model_validate({"grace_period_seconds": grace}).grace_period_seconds == grace


@pytest.mark.parametrize("grace", [-1, 86401, 10**9, SENTINEL, 1.5])
def test_rotate_refuses_a_grace_outside_0_to_86400(grace: Any) -> None:
    assert_refused(KeyRotate, {"grace_period_seconds": grace}, "grace_period_seconds")


def test_rotate_expiry_is_converted_to_utc_and_must_have_a_zone() -> None:
    rotate = KeyRotate.model_validate({"expires_at": "2030-06-01T09:00:00-05:00"})
    assert rotate.expires_at == datetime(2030, 6, 1, 14, 0, tzinfo=UTC)
    assert rotate.expires_at is not None
    assert rotate.expires_at.utcoffset() == timedelta(0)
    assert_refused(KeyRotate, {"expires_at": "2030-06-01T09:00:00"}, "expires_at")


# --- KeyListQuery ----------------------------------------------------------------------


def test_list_query_defaults() -> None:
    query = KeyListQuery.model_validate({})
    assert (query.status, query.expiry, query.limit, query.cursor) == (None, None, 50, None)


@pytest.mark.parametrize("limit", ["1", "100", 50])
def test_list_limit_of_1_to_100_is_accepted(limit: Any) -> None:
    assert KeyListQuery.model_validate({"limit": limit}).limit == int(limit)


@pytest.mark.parametrize("limit", ["0", "101", "-5", SENTINEL, ""])
def test_list_limit_outside_1_to_100_is_refused(limit: str) -> None:
    assert_refused(KeyListQuery, {"limit": limit}, "limit")


@pytest.mark.parametrize("status", list(KeyStatus))
def test_list_status_accepts_each_key_status(status: KeyStatus) -> None:
    assert KeyListQuery.model_validate({"status": status.value}).status is status


@pytest.mark.parametrize("expiry", list(ExpiryState))
def test_list_expiry_accepts_each_expiry_state(expiry: ExpiryState) -> None:
    assert KeyListQuery.model_validate({"expiry": expiry.value}).expiry is expiry


def test_list_refuses_an_unknown_status_or_expiry() -> None:
    assert_refused(KeyListQuery, {"status": SENTINEL, "expiry": SENTINEL}, "status", "expiry")


def test_list_refuses_a_cursor_over_512_characters() -> None:
    assert_refused(KeyListQuery, {"cursor": SENTINEL * 50}, "cursor")


def test_list_refuses_an_unknown_parameter() -> None:
    assert_refused(KeyListQuery, {"page": SENTINEL, SENTINEL: "1"}, "body")


# --- GroupCreate -----------------------------------------------------------------------


def test_group_routes_default_to_all_routes() -> None:
    group = GroupCreate.model_validate({"name": "Readers"})
    assert group.routes == ["* /*"]
    assert group.permissions == []
    assert group.description == ""


def test_group_routes_are_normalized_and_deduplicated_in_order() -> None:
    group = GroupCreate.model_validate(
        {
            "name": "Orders",
            "routes": ["get /orders/*", "POST /orders", " GET /orders/* ", "post /orders"],
        }
    )
    assert group.routes == ["GET /orders/*", "POST /orders"]


@pytest.mark.parametrize(
    "route", [f"FETCH /{SENTINEL}", f"GET {SENTINEL}", f"GET /{SENTINEL}?x", f"GET /{SENTINEL}/**"]
)
def test_group_refuses_a_bad_route_pattern(route: str) -> None:
    found = errors_of(GroupCreate, {"name": "Orders", "routes": ["GET /ok", route]})
    assert "routes" in {error["field"] for error in found}


def test_group_bad_route_pattern_is_not_echoed() -> None:
    assert_refused(GroupCreate, {"name": "Orders", "routes": [f"GET {SENTINEL}"]}, "routes")


def test_group_needs_at_least_one_route() -> None:
    assert_refused(GroupCreate, {"name": "Orders", "routes": []}, "routes")


def test_group_refuses_a_malformed_permission() -> None:
    assert_refused(
        GroupCreate, {"name": "Orders", "permissions": [f"{SENTINEL} x"]}, "permissions.0"
    )


def test_group_name_follows_the_name_rules() -> None:
    assert_refused(GroupCreate, {"name": "x"}, "name")
    assert_refused(GroupCreate, {"name": "   "}, "name")
    assert_refused(GroupCreate, {}, "name")
