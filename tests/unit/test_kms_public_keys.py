"""The KMS public-key fetch: once per key, a minute's wait after a failure, partial answers.

A fake KMS client is injected (tests/support/fake_kms.py); the clock is moved by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.access_tokens import TokenRules, claims_for
from chalicelib.domain.signing import SigningFailed, compact_jws
from chalicelib.domain.token_check import TokenChecker
from chalicelib.storage.kms import REFETCH_AFTER_FAILURE, KmsPublicKeys
from tests.support.clock import FakeMonotonic
from tests.support.fake_kms import kms_token_keys, two_key_kms
from tests.support.records import make_group, make_key
from tests.token_keys import ISSUER, local_signer

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RULES = TokenRules(ISSUER, "orders-api", timedelta(minutes=5))


def test_a_failed_fetch_is_not_repeated_within_a_minute() -> None:
    ticks = FakeMonotonic()
    kms = two_key_kms({"signing", "next"})
    published = KmsPublicKeys(("signing", "next"), lambda: kms, ticks)

    for _ in range(50):
        with pytest.raises(SigningFailed):
            published.public_keys()
        ticks.now += 1  # fifty requests over fifty seconds

    assert kms.calls["GetPublicKey", "signing"] == 1
    assert kms.calls["GetPublicKey", "next"] == 1


def test_a_failed_fetch_is_tried_again_after_a_minute_and_then_kept() -> None:
    ticks = FakeMonotonic()
    kms = two_key_kms({"signing"})
    published = KmsPublicKeys(("signing",), lambda: kms, ticks)
    with pytest.raises(SigningFailed):
        published.public_keys()

    kms.failing.clear()
    ticks.now += REFETCH_AFTER_FAILURE
    first = published.public_keys()
    published.public_keys()

    assert list(first) == [local_signer().key_id()]
    assert kms.calls["GetPublicKey", "signing"] == 2


def test_nothing_fetched_fails_with_the_remaining_wait_as_retry_after() -> None:
    ticks = FakeMonotonic()
    kms = two_key_kms({"signing"})
    published = KmsPublicKeys(("signing",), lambda: kms, ticks)
    with pytest.raises(SigningFailed) as first:
        published.public_keys()
    ticks.now += 45

    with pytest.raises(SigningFailed) as second:
        published.public_keys()

    assert first.value.retry_after == 60
    assert second.value.retry_after == 15


def test_a_missing_next_key_still_publishes_the_signing_key() -> None:
    ticks = FakeMonotonic()
    kms = two_key_kms({"next"})
    published = KmsPublicKeys(("signing", "next"), lambda: kms, ticks)

    assert list(published.public_keys()) == [local_signer().key_id()]
    assert not published.complete()


def test_the_next_key_is_published_once_it_can_be_fetched() -> None:
    ticks = FakeMonotonic()
    kms = two_key_kms({"next"})
    published = KmsPublicKeys(("signing", "next"), lambda: kms, ticks)
    published.public_keys()

    kms.failing.clear()
    ticks.now += REFETCH_AFTER_FAILURE

    assert set(published.public_keys()) == {
        local_signer().key_id(),
        local_signer("next").key_id(),
    }
    assert published.complete()
    assert kms.calls["GetPublicKey", "signing"] == 1


def checker_over(failing: set[str]) -> TokenChecker:
    keys = kms_token_keys(two_key_kms(failing), "signing", "next")
    return TokenChecker(keys.published, ISSUER, RULES.audience, lambda: NOW)


def token_by(which: str) -> str:
    claims = claims_for(RULES, make_key(), make_group(), (), NOW, int(NOW.timestamp()) + 300)
    return compact_jws(claims, local_signer(which))


def test_a_token_checks_while_only_the_next_key_is_missing() -> None:
    assert checker_over({"next"}).check(token_by("current"), None, None).valid


def test_a_token_whose_key_is_not_fetched_is_unavailable_not_invalid() -> None:
    checker = checker_over({"signing"})

    with pytest.raises(SigningFailed):
        checker.check(token_by("current"), None, None)


def test_a_token_of_a_stranger_key_is_invalid_once_every_key_is_known() -> None:
    outcome = checker_over(set()).check(token_by("stranger"), None, None).outcome

    assert outcome.value == "TOKEN_INVALID"
