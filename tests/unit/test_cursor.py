"""Pagination cursors: signed, bound to their listing, and anything else is a cursor error."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.api.cursor import Cursors, Scope
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.peppers import StaticPeppers
from tests.support.examples import PURE

CURSORS = Cursors(StaticPeppers({1: b"test-pepper-one"}))
SCOPE: Scope = ("acme", "keys", "active", None)
POSITION = ("2026-11-24T12:00:00.000000+00:00#abc", "0123456789abcdef")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def json_cursor(value: object) -> str:
    """What the old, unsigned cursors looked like: base64 of a JSON position."""
    return b64(json.dumps(value).encode())


def issued(position: tuple[str, str] = POSITION, scope: Scope = SCOPE) -> str:
    cursor = CURSORS.encode(position, scope)
    assert cursor is not None
    return cursor


def assert_cursor_error(cursor: str, scope: Scope = SCOPE, cursors: Cursors = CURSORS) -> None:
    with pytest.raises(InvalidInput) as raised:
        cursors.decode(cursor, scope)
    errors = raised.value.extra["errors"]
    assert isinstance(errors, list)
    assert errors == [{"field": "cursor", "message": "invalid cursor"}]


def test_no_position_is_no_cursor_and_back() -> None:
    assert CURSORS.encode(None, SCOPE) is None
    assert CURSORS.decode(None, SCOPE) is None


def test_a_position_round_trips_within_its_listing() -> None:
    assert CURSORS.decode(issued(), SCOPE) == POSITION


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = issued(("?>?>?>", "~~~~~"))  # bytes that standard base64 encodes with + and /
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    assert set(cursor) <= set(alphabet)


@PURE
@given(sort_key=st.text(min_size=1), key_id=st.text(min_size=1))
def test_any_position_round_trips(sort_key: str, key_id: str) -> None:
    cursor = issued((sort_key, key_id))
    assert "=" not in cursor
    assert CURSORS.decode(cursor, SCOPE) == (sort_key, key_id)


@pytest.mark.parametrize(
    "scope",
    [
        ("globex", "keys", "active", None),  # another tenant
        ("acme", "audit-events", "active", None),  # another listing
        ("acme", "keys", "revoked", None),  # another filter
        ("acme", "keys", None, None),  # a filter dropped
        ("acme", "keys", "active", "expired"),  # a filter added
    ],
)
def test_a_cursor_is_refused_outside_the_listing_it_was_issued_for(scope: Scope) -> None:
    assert_cursor_error(issued(), scope)


def test_a_cursor_signed_under_another_pepper_is_refused() -> None:
    rotated = Cursors(StaticPeppers({1: b"test-pepper-one", 2: b"test-pepper-two"}))
    assert_cursor_error(issued(), cursors=rotated)


def test_a_tampered_position_is_refused() -> None:
    payload, _, mac = issued().partition(".")
    forged = b64(json.dumps({"s": "2099-01-01T00:00:00+00:00#zzz", "k": "z"}).encode())
    assert_cursor_error(f"{forged}.{mac}")
    assert_cursor_error(f"{payload}.{mac[:-2]}")
    assert_cursor_error(payload)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        ".",
        "garbage!!",
        "!!!!",
        "a",
        "ab=",
        "%%%",
        "é",
        "a.b.c",
        b64(b"not json"),
        json_cursor({"s": "a", "k": "b"}),  # an old unsigned cursor
    ],
)
def test_garbage_is_a_cursor_error(cursor: str) -> None:
    assert_cursor_error(cursor)


def test_the_cursor_error_does_not_echo_the_cursor() -> None:
    cursor = json_cursor({"s": "SENTINEL-VALUE-123"})
    with pytest.raises(InvalidInput) as raised:
        CURSORS.decode(cursor, SCOPE)
    shown = json.dumps([raised.value.detail, raised.value.extra])
    assert cursor not in shown
    assert "SENTINEL-VALUE-123" not in shown


@PURE
@given(cursor=st.text(max_size=120))
def test_any_made_up_text_is_a_cursor_error(cursor: str) -> None:
    assert_cursor_error(cursor)
