"""Pagination cursors: opaque, round-trip exactly, and anything else is a cursor error."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.api.cursor import decode, encode
from chalicelib.domain.errors import InvalidInput

FAST = settings(max_examples=200, deadline=None, database=None)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def json_cursor(value: object) -> str:
    return b64(json.dumps(value).encode())


def assert_cursor_error(cursor: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode(cursor)
    errors = raised.value.extra["errors"]
    assert isinstance(errors, list)
    assert errors[0]["field"] == "cursor"


def test_no_position_is_no_cursor_and_back() -> None:
    assert encode(None) is None
    assert decode(None) is None


def test_a_position_round_trips() -> None:
    position = ("2026-11-24T12:00:00.000000+00:00#abc", "0123456789abcdef")
    cursor = encode(position)
    assert cursor is not None
    assert decode(cursor) == position


def test_a_cursor_is_url_safe_and_unpadded() -> None:
    cursor = encode(("?>?>?>", "~~~~~"))  # bytes that standard base64 encodes with + and /
    assert cursor is not None
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@FAST
@given(sort_key=st.text(min_size=1), key_id=st.text(min_size=1))
def test_any_position_round_trips(sort_key: str, key_id: str) -> None:
    cursor = encode((sort_key, key_id))
    assert cursor is not None
    assert "=" not in cursor
    assert decode(cursor) == (sort_key, key_id)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage!!",
        "!!!!",
        "a",
        "ab=",
        "%%%",
        "é",
        b64(b"not json"),
        b64(b"\xff\xfe\xfd"),
        b64(b"{"),
    ],
)
def test_garbage_is_a_cursor_error(cursor: str) -> None:
    assert_cursor_error(cursor)


@pytest.mark.parametrize("value", [[1, 2], ["s", "k"], "sk", 42, None, True])
def test_json_that_is_not_an_object_is_a_cursor_error(value: object) -> None:
    assert_cursor_error(json_cursor(value))


@pytest.mark.parametrize("value", [{}, {"s": "a"}, {"k": "b"}, {"sort": "a", "key": "b"}])
def test_a_missing_field_is_a_cursor_error(value: object) -> None:
    assert_cursor_error(json_cursor(value))


@pytest.mark.parametrize(
    "value",
    [
        {"s": "", "k": "b"},
        {"s": "a", "k": ""},
        {"s": "", "k": ""},
        {"s": 1, "k": "b"},
        {"s": "a", "k": None},
        {"s": ["a"], "k": "b"},
        {"s": "a", "k": {"x": 1}},
    ],
)
def test_an_empty_or_non_string_field_is_a_cursor_error(value: object) -> None:
    assert_cursor_error(json_cursor(value))


def test_the_cursor_error_does_not_echo_the_cursor() -> None:
    cursor = json_cursor({"s": "SENTINEL-VALUE-123"})
    with pytest.raises(InvalidInput) as raised:
        decode(cursor)
    shown = json.dumps([raised.value.detail, raised.value.extra])
    assert cursor not in shown
    assert "SENTINEL-VALUE-123" not in shown


@FAST
@given(cursor=st.text(max_size=80))
def test_any_text_decodes_to_a_position_or_a_cursor_error(cursor: str) -> None:
    try:
        position = decode(cursor)
    except InvalidInput as error:
        errors = error.extra["errors"]
        assert isinstance(errors, list)
        assert errors[0]["field"] == "cursor"
    else:
        assert position is not None
        sort_key, key_id = position
        assert isinstance(sort_key, str)
        assert isinstance(key_id, str)
        assert sort_key
        assert key_id


@FAST
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("skx"), inner),
        max_leaves=6,
    )
)
def test_any_json_decodes_only_when_it_holds_two_non_empty_strings(value: object) -> None:
    cursor = json_cursor(value)
    is_position = (
        isinstance(value, dict)
        and isinstance(value.get("s"), str)
        and isinstance(value.get("k"), str)
        and bool(value["s"])
        and bool(value["k"])
    )
    if is_position:
        assert isinstance(value, dict)
        assert decode(cursor) == (value["s"], value["k"])
    else:
        assert_cursor_error(cursor)
