"""The one decision every credential goes through, over an in-memory key reader."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.key_format import KeyFormat, format_token
from chalicelib.domain.peppers import PepperUnavailable, StaticPeppers, hash_secret
from chalicelib.domain.records import ApiKey, KeyStatus, SecretHash
from chalicelib.domain.verification import Decision, Outcome, Verifier
from tests.support.verification import (
    NOW,
    PEPPERS,
    PREFIX,
    Clock,
    FakeKeys,
    key_with_secret,
    secret_hash,
    token_for,
    verifier,
)

# --- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [None, "", "not a token", format_token("lk_live", "0123456789abcdef", "s" * 43)],
)
def test_a_malformed_token_is_refused_without_reading_the_store(token: str | None) -> None:
    keys = FakeKeys(key_with_secret())
    decision = verifier(keys).verify(token, "192.0.2.1")
    assert decision == Decision(Outcome.MALFORMED)
    assert keys.reads == []


def test_a_token_with_a_bad_checksum_is_malformed_without_a_read() -> None:
    key = key_with_secret()
    token = token_for(key)
    wrong = "000000" if token[-6:] != "000000" else "000001"
    keys = FakeKeys(key)
    assert verifier(keys).verify(token[:-6] + wrong, None).outcome is Outcome.MALFORMED
    assert keys.reads == []


def test_an_unknown_key_id_is_not_found() -> None:
    keys = FakeKeys(key_with_secret())
    decision = verifier(keys).verify(format_token(PREFIX, "fedcba9876543210", "s" * 43), None)
    assert decision == Decision(Outcome.NOT_FOUND)
    assert keys.reads == ["fedcba9876543210"]


def test_a_wrong_secret_is_not_found_and_does_not_return_the_key() -> None:
    key = key_with_secret()
    keys = FakeKeys(key)
    decision = verifier(keys).verify(token_for(key, "t" * 43), None)
    assert decision == Decision(Outcome.NOT_FOUND)
    assert decision.key is None
    assert not decision.valid


def test_a_revoked_key_is_denied() -> None:
    key = key_with_secret(status=KeyStatus.REVOKED, revoked_at=NOW - timedelta(hours=1))
    decision = verifier(FakeKeys(key)).verify(token_for(key), None)
    assert decision.outcome is Outcome.REVOKED
    assert decision.key == key
    assert not decision.valid


def test_a_revoked_key_with_a_wrong_secret_does_not_reveal_it_is_revoked() -> None:
    key = key_with_secret(status=KeyStatus.REVOKED)
    decision = verifier(FakeKeys(key)).verify(token_for(key, "t" * 43), None)
    assert decision == Decision(Outcome.NOT_FOUND)


def test_an_expired_key_is_denied() -> None:
    key = key_with_secret(expires_at=NOW - timedelta(seconds=1))
    assert verifier(FakeKeys(key)).verify(token_for(key), None).outcome is Outcome.EXPIRED


def test_a_key_expiring_exactly_now_is_expired() -> None:
    key = key_with_secret(expires_at=NOW)
    decision = verifier(FakeKeys(key)).verify(token_for(key), None)
    assert decision.outcome is Outcome.EXPIRED
    assert decision.key == key


def test_a_key_expiring_a_moment_later_is_still_valid() -> None:
    key = key_with_secret(expires_at=NOW + timedelta(microseconds=1))
    assert verifier(FakeKeys(key)).verify(token_for(key), None).outcome is Outcome.VALID


def test_expiry_follows_the_clock() -> None:
    key = key_with_secret(expires_at=NOW + timedelta(hours=1))
    clock = Clock()
    check = verifier(FakeKeys(key), clock)
    assert check.verify(token_for(key), None).valid
    clock.now = NOW + timedelta(hours=1)
    assert check.verify(token_for(key), None).outcome is Outcome.EXPIRED


def test_a_revoked_and_expired_key_reports_revoked() -> None:
    key = key_with_secret(status=KeyStatus.REVOKED, expires_at=NOW - timedelta(days=1))
    assert verifier(FakeKeys(key)).verify(token_for(key), None).outcome is Outcome.REVOKED


@pytest.mark.parametrize("source", ["198.51.100.7", None, "", "garbage", "2001:db8::1"])
def test_a_source_outside_the_allowlist_is_denied(source: str | None) -> None:
    key = key_with_secret(ip_allowlist=("192.0.2.0/24",))
    decision = verifier(FakeKeys(key)).verify(token_for(key), source)
    assert decision.outcome is Outcome.IP_NOT_ALLOWED
    assert decision.key == key


def test_an_expired_key_from_a_disallowed_source_reports_expired() -> None:
    key = key_with_secret(expires_at=NOW, ip_allowlist=("192.0.2.0/24",))
    assert verifier(FakeKeys(key)).verify(token_for(key), "198.51.100.7").outcome is Outcome.EXPIRED


# --- acceptance -------------------------------------------------------------------------


def test_a_valid_key_is_accepted_with_exactly_one_read() -> None:
    key = key_with_secret()
    keys = FakeKeys(key)
    decision = verifier(keys).verify(token_for(key), "203.0.113.9")
    assert decision == Decision(Outcome.VALID, key)
    assert decision.valid
    assert keys.reads == [key.key_id]


@pytest.mark.parametrize("source", ["192.0.2.1", "192.0.2.255", "::ffff:192.0.2.1"])
def test_a_source_inside_the_allowlist_is_accepted(source: str) -> None:
    key = key_with_secret(ip_allowlist=("192.0.2.0/24", "2001:db8::/32"))
    assert verifier(FakeKeys(key)).verify(token_for(key), source).valid


def test_a_key_among_many_is_found_by_its_id() -> None:
    ours = key_with_secret("AAAAAAAAAAAAAAAA", "a" * 43)
    other = key_with_secret("BBBBBBBBBBBBBBBB", "b" * 43)
    check = verifier(FakeKeys(ours, other))
    assert check.verify(token_for(ours, "a" * 43), None).key == ours
    assert check.verify(token_for(other, "b" * 43), None).key == other
    # One key's secret does not open another key.
    assert check.verify(format_token(PREFIX, ours.key_id, "b" * 43), None).outcome is (
        Outcome.NOT_FOUND
    )


def test_a_minted_token_verifies_against_its_stored_hash() -> None:
    token, parts = KeyFormat(PREFIX).mint()
    key = key_with_secret(parts.key_id, parts.secret)
    assert verifier(FakeKeys(key)).verify(token, None).valid


# --- rotation grace ---------------------------------------------------------------------


def rotated_key(valid_until: datetime | None) -> ApiKey:
    return key_with_secret(
        secret="n" * 43,
        previous_secret=secret_hash("o" * 43, valid_until=valid_until),
        rotated_at=NOW - timedelta(minutes=5),
    )


def test_after_rotation_the_new_secret_works() -> None:
    key = rotated_key(NOW + timedelta(hours=1))
    assert verifier(FakeKeys(key)).verify(token_for(key, "n" * 43), None).valid


def test_the_previous_secret_works_inside_the_grace_period() -> None:
    key = rotated_key(NOW + timedelta(seconds=1))
    keys = FakeKeys(key)
    decision = verifier(keys).verify(token_for(key, "o" * 43), None)
    # ... and says when it stops working, so an access token never outlives it.
    assert decision == Decision(Outcome.VALID, key, NOW + timedelta(seconds=1))
    assert len(keys.reads) == 1


@pytest.mark.parametrize("after", [timedelta(0), timedelta(microseconds=1), timedelta(days=1)])
def test_the_previous_secret_fails_at_and_after_its_valid_until(after: timedelta) -> None:
    key = rotated_key(NOW)
    clock = Clock(NOW + after)
    decision = verifier(FakeKeys(key), clock).verify(token_for(key, "o" * 43), None)
    assert decision == Decision(Outcome.NOT_FOUND)


def test_a_previous_secret_without_valid_until_never_works() -> None:
    key = rotated_key(None)
    assert verifier(FakeKeys(key)).verify(token_for(key, "o" * 43), None).outcome is (
        Outcome.NOT_FOUND
    )


def test_the_previous_secret_of_a_revoked_key_reports_revoked() -> None:
    key = replace(rotated_key(NOW + timedelta(hours=1)), status=KeyStatus.REVOKED)
    assert verifier(FakeKeys(key)).verify(token_for(key, "o" * 43), None).outcome is (
        Outcome.REVOKED
    )


# --- pepper rotation --------------------------------------------------------------------


def test_a_key_hashed_under_an_old_pepper_still_verifies_after_a_new_one_is_current() -> None:
    key = key_with_secret(current_secret=secret_hash("s" * 43, version=1))
    peppers = StaticPeppers(PEPPERS)
    assert peppers.current()[0] == 2
    check = Verifier(KeyFormat(PREFIX), FakeKeys(key), peppers, Clock())
    assert check.verify(token_for(key), None).valid


def test_a_secret_is_checked_under_its_own_pepper_version_only() -> None:
    # Hashed with pepper 1 but labelled version 2: the label decides, so it fails.
    mislabelled = SecretHash(hash_secret(PEPPERS[1], "s" * 43), 2)
    key = key_with_secret(current_secret=mislabelled)
    assert verifier(FakeKeys(key)).verify(token_for(key), None).outcome is Outcome.NOT_FOUND


def test_previous_and_current_secrets_may_use_different_pepper_versions() -> None:
    key = key_with_secret(
        current_secret=secret_hash("n" * 43, version=2),
        previous_secret=secret_hash("o" * 43, version=1, valid_until=NOW + timedelta(hours=1)),
    )
    check = verifier(FakeKeys(key))
    assert check.verify(token_for(key, "n" * 43), None).valid
    assert check.verify(token_for(key, "o" * 43), None).valid


def test_a_missing_pepper_version_is_unavailable_not_a_denial() -> None:
    key = key_with_secret(current_secret=secret_hash("s" * 43, version=1))
    with pytest.raises(PepperUnavailable):
        verifier(FakeKeys(key), peppers={2: PEPPERS[2]}).verify(token_for(key), None)
