"""Where a key stands against its expiry: valid, expiring soon, or expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.key_query import expiry_state
from chalicelib.domain.records import ApiKey, ExpiryState
from tests.support.examples import PURE
from tests.support.records import make_key

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=7)
TICK = timedelta(microseconds=1)


def key_expiring(expires_at: datetime | None) -> ApiKey:
    return make_key(expires_at=expires_at)


def test_a_key_without_expiry_is_always_valid() -> None:
    key = key_expiring(None)
    assert expiry_state(key, NOW, WINDOW) is ExpiryState.VALID
    assert expiry_state(key, datetime.max.replace(tzinfo=UTC) - WINDOW, WINDOW) is ExpiryState.VALID


@pytest.mark.parametrize(
    ("offset", "state"),
    [
        (-timedelta(days=365), ExpiryState.EXPIRED),
        (-TICK, ExpiryState.EXPIRED),
        (timedelta(0), ExpiryState.EXPIRED),
        (TICK, ExpiryState.EXPIRING_SOON),
        (timedelta(days=3), ExpiryState.EXPIRING_SOON),
        (WINDOW - TICK, ExpiryState.EXPIRING_SOON),
        (WINDOW, ExpiryState.EXPIRING_SOON),
        (WINDOW + TICK, ExpiryState.VALID),
        (timedelta(days=365), ExpiryState.VALID),
    ],
)
def test_expiry_state_boundaries(offset: timedelta, state: ExpiryState) -> None:
    assert expiry_state(key_expiring(NOW + offset), NOW, WINDOW) is state


def test_a_zero_window_has_no_expiring_soon() -> None:
    assert expiry_state(key_expiring(NOW), NOW, timedelta(0)) is ExpiryState.EXPIRED
    assert expiry_state(key_expiring(NOW + TICK), NOW, timedelta(0)) is ExpiryState.VALID


def test_expiry_state_agrees_with_is_expired_at_the_boundary() -> None:
    key = key_expiring(NOW)
    assert key.is_expired(NOW)
    assert not key.is_expired(NOW - TICK)
    assert expiry_state(key, NOW - TICK, WINDOW) is ExpiryState.EXPIRING_SOON


@PURE
@given(
    offset=st.timedeltas(min_value=-timedelta(days=3650), max_value=timedelta(days=3650)),
    window=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=365)),
)
def test_expiry_state_partitions_time_around_now(offset: timedelta, window: timedelta) -> None:
    key = key_expiring(NOW + offset)
    state = expiry_state(key, NOW, window)
    if offset <= timedelta(0):
        assert state is ExpiryState.EXPIRED
    elif offset <= window:
        assert state is ExpiryState.EXPIRING_SOON
    else:
        assert state is ExpiryState.VALID
    assert (state is ExpiryState.EXPIRED) == key.is_expired(NOW)
