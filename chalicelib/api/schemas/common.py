"""Shared pieces of the request and response models: strictness, names, problems."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
)

from chalicelib.domain.routes import MAX_STARS, METHODS, PATH_CHARS

# Whitespace, spelled out: exactly what str.isspace() and str.strip() call whitespace.
# "\s" means a different set in Python, in ECMA-262 (the regexes of JSON Schema, which
# schemathesis and clients validate with) and in Rust (pydantic's own patterns); this class
# reads the same in all three.
_SPACE_CHARS = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SPACE = f"[{_SPACE_CHARS}]"


def _any_case(word: str) -> str:
    return "".join(f"[{c}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# domain.routes' rules as regular expressions, for the document (a JSON Schema "pattern" is
# not anchored, hence ^ and $). A group's route pattern: a method in any case, one space, a
# path with no "**"; surrounding whitespace is allowed because normalize_pattern strips it.
ROUTE_PATTERN_REGEX = (
    rf"^{SPACE}*(?:{'|'.join(_any_case(method) for method in METHODS)}) "
    # At most MAX_STARS stars, never two in a row: runs of path characters between them.
    rf"/[{PATH_CHARS}]*(?:(?:\*[{PATH_CHARS}]+){{0,{MAX_STARS}}}"
    rf"|(?:\*[{PATH_CHARS}]+){{0,{MAX_STARS - 1}}}\*){SPACE}*$"
)
# A concrete call, as POST /v1/verify takes it: a method (not "*") and any path.
CALL_REGEX = rf"^{SPACE}*(?:{'|'.join(_any_case(method) for method in METHODS[:-1])}) /[\s\S]*$"

# Control characters (C0, DEL, C1): a NUL or an escape in a name breaks logs, terminals,
# CSV exports and C string APIs of whoever reads it, and no person types one.
_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f"
# Taken as sent: no silent trimming, so the document's lengths are the API's. A name needs
# one character that is not whitespace, and holds no control character.
NAME_REGEX = rf"^[^{_CONTROL_CHARS}]*[^{_CONTROL_CHARS}{_SPACE_CHARS}][^{_CONTROL_CHARS}]*$"
Name = Annotated[str, Field(min_length=2, max_length=200, pattern=NAME_REGEX)]


Description = Annotated[str, Field(max_length=1000)]


class Model(BaseModel):
    """Every request and response model: its validator and serializer are built on first use.

    pydantic builds a model's core schema when the class is defined unless ``defer_build``
    is set; built eagerly, the ~40 models cost a management-API cold start 150-250 ms,
    though its first request reads two or three of them (scripts/bench_api.py).
    """

    model_config = ConfigDict(defer_build=True)


RootType = TypeVar("RootType")


class Root(RootModel[RootType]):
    """A model whose JSON is its ``root`` value (a list), built on first use like ``Model``.

    A parametrised ``RootModel[...]`` takes RootModel's own config and is built when the
    class statement runs; parametrising this one instead keeps ``defer_build``.
    """

    model_config = ConfigDict(defer_build=True)


class Strict(Model):
    """Unknown fields are errors: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


# pydantic's lax mode reads 0, "0" or true as numbers and times; the document says "a JSON
# integer" and "an RFC 3339 string", so the API takes exactly that.
_DATE_TIME_START = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T", re.IGNORECASE)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _integer(value: Any) -> Any:
    if isinstance(value, bool | str):
        raise ValueError("must be a JSON integer")
    return value


def _date_time_text(value: Any) -> Any:
    if not isinstance(value, str) or not _DATE_TIME_START.match(value):
        raise ValueError("must be an RFC 3339 date-time with a zone, like 2026-11-24T12:00:00Z")
    return value


def _date_text(value: Any) -> Any:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a date like 2026-11-24")
    return value


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is a valid RFC 3339 time past datetime.max
        raise ValueError("must lie between the years 0001 and 9999 in UTC") from None


def drop_null(schema: dict[str, Any]) -> None:
    """Remove pydantic's ``null`` branch from a field's JSON schema, in place.

    For fields where null is refused though ``None`` marks "not sent" (PATCH bodies), and
    for query parameters, which are absent or a value, never null.
    """
    if "anyOf" not in schema:
        return
    branches = [branch for branch in schema["anyOf"] if branch != {"type": "null"}]
    assert len(branches) == 1, f"drop_null needs one non-null branch, not {branches}"
    del schema["anyOf"]
    schema.pop("default", None)
    schema.update(branches[0])


Integer = Annotated[int, BeforeValidator(_integer)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_date_time_text), AfterValidator(_to_utc)]
Day = Annotated[date, BeforeValidator(_date_text)]


class ActorOut(Model):
    type: Literal["key", "user", "system", "platform"]
    id: str
    name: str


class Problem(Model):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, str]] | None = None
