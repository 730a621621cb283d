"""One wire format for an instant: ISO 8601 in UTC with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from chalicelib.clock import iso_z, utc_now


def test_a_utc_instant_is_written_with_z() -> None:
    assert iso_z(datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) == "2026-11-24T12:00:00Z"


def test_microseconds_are_kept() -> None:
    assert iso_z(datetime(2026, 11, 24, 12, 0, 0, 5, tzinfo=UTC)) == "2026-11-24T12:00:00.000005Z"


def test_an_instant_in_another_zone_is_written_as_the_same_instant_in_utc() -> None:
    berlin = timezone(timedelta(hours=1))
    assert iso_z(datetime(2026, 11, 24, 13, 0, tzinfo=berlin)) == "2026-11-24T12:00:00Z"


def test_the_real_clock_is_aware_and_in_utc() -> None:
    assert utc_now().utcoffset() == timedelta(0)
