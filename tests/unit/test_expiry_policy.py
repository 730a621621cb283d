"""Which warning is due for a key: pure arithmetic over thresholds, expiry and now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.config.settings import Settings
from chalicelib.config.sweep import parse_thresholds
from chalicelib.domain.expiry import ExpiryPolicy, days_left, detail_type

EXPIRES = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
POLICY = ExpiryPolicy((30, 7, 1, 0))


def before(days: float) -> datetime:
    return EXPIRES - timedelta(days=days)


def test_a_new_key_is_first_due_at_its_largest_threshold() -> None:
    assert POLICY.first_due(EXPIRES) == before(30)


def test_nothing_is_due_before_the_first_threshold() -> None:
    assert POLICY.plan(EXPIRES, (), before(30.01)) is None


@pytest.mark.parametrize(
    ("now", "notified", "threshold", "next_due"),
    [
        (before(30), (), 30, before(7)),
        (before(6), (30,), 7, before(1)),
        (before(0.5), (30, 7), 1, EXPIRES),
        (EXPIRES, (30, 7, 1), 0, None),
    ],
)
def test_each_threshold_is_due_once_it_is_crossed(
    now: datetime, notified: tuple[int, ...], threshold: int, next_due: datetime | None
) -> None:
    plan = POLICY.plan(EXPIRES, notified, now)

    assert plan is not None
    assert (plan.threshold, plan.next_due) == (threshold, next_due)


def test_a_threshold_already_notified_is_not_due_again() -> None:
    assert POLICY.plan(EXPIRES, (30, 7), before(3)) is None


def test_several_thresholds_crossed_at_once_give_one_warning_for_the_nearest() -> None:
    plan = POLICY.plan(EXPIRES, (), before(0.5))

    assert plan is not None
    assert (plan.threshold, plan.covers, plan.next_due) == (1, frozenset({30, 7, 1}), EXPIRES)


def test_a_key_found_after_expiry_gets_only_the_expired_warning() -> None:
    plan = POLICY.plan(EXPIRES, (30,), EXPIRES + timedelta(days=3))

    assert plan is not None
    assert (plan.threshold, plan.expired, plan.next_due) == (0, True, None)


def test_next_due_skips_what_was_notified() -> None:
    assert POLICY.next_due(EXPIRES, (30, 7)) == before(1)
    assert POLICY.next_due(EXPIRES, (30, 7, 1, 0)) is None


@pytest.mark.parametrize(
    ("now", "left"),
    [(before(7), 7), (before(6.99), 7), (before(6.5), 7), (before(0.01), 1), (EXPIRES, 0)],
)
def test_days_left_round_up_so_a_warning_names_its_threshold(now: datetime, left: int) -> None:
    assert days_left(EXPIRES, now) == left


def test_days_left_is_zero_after_expiry() -> None:
    assert days_left(EXPIRES, EXPIRES + timedelta(days=2)) == 0


def test_detail_types_name_expiring_and_expired() -> None:
    assert (detail_type(7), detail_type(0)) == ("API Key Expiring", "API Key Expired")


def test_thresholds_must_include_expired_and_are_sorted() -> None:
    assert ExpiryPolicy((1, 30, 0, 7)).thresholds == (30, 7, 1, 0)
    with pytest.raises(ValueError, match="include 0"):
        ExpiryPolicy((30, 7))


def test_thresholds_setting_defaults_to_30_7_1_0() -> None:
    assert Settings().sweep.expiry_thresholds_days == (30, 7, 1, 0)
    assert Settings.from_env({}).sweep.expiry_thresholds_days == (30, 7, 1, 0)


def test_thresholds_setting_always_includes_expired() -> None:
    assert parse_thresholds("14, 3") == (14, 3, 0)
    assert parse_thresholds("7,7,0") == (7, 0)


def test_thresholds_setting_refuses_anything_but_whole_days() -> None:
    with pytest.raises(ValueError, match="whole days"):
        parse_thresholds("7,1.5")


def test_sweep_settings_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LATCHKEY_EXPIRY_THRESHOLDS_DAYS": "14,2",
            "LATCHKEY_EVENT_BUS": "ops",
            "LATCHKEY_EXPIRY_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:expiry",
            "LATCHKEY_SWEEP_SCHEDULE": "cron(0 8 * * ? *)",
        }
    )

    assert settings.sweep.expiry_thresholds_days == (14, 2, 0)
    assert (settings.event_bus, settings.sweep.schedule) == ("ops", "cron(0 8 * * ? *)")
    assert settings.sweep.topic_arn == "arn:aws:sns:us-east-1:123456789012:expiry"
    assert (Settings().event_bus, Settings().sweep.topic_arn) == ("default", None)
