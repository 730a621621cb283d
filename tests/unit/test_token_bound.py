"""The per-key bounds on token signing: reused tokens and the signing rate (no AWS)."""

from __future__ import annotations

import pytest

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.config.settings import Settings
from chalicelib.domain.errors import TokenRateLimited
from chalicelib.domain.token_audience import latchkey_only
from chalicelib.domain.token_bound import Signed, SignRate, TokenReuse
from tests.support.clock import FakeMonotonic

SIGNED = Signed("token-a", "orders:read", issued_at=1000, expires=1300)


def test_a_fresh_token_is_found_under_its_name() -> None:
    reuse = TokenReuse()
    reuse.keep("key-a", SIGNED)

    assert reuse.find("key-a", now=1100, expires_at_most=1400) == SIGNED
    assert reuse.find("key-b", now=1100, expires_at_most=1400) is None


def test_a_token_past_half_its_life_is_dropped() -> None:
    reuse = TokenReuse()
    reuse.keep("key-a", SIGNED)

    assert reuse.find("key-a", now=1150, expires_at_most=1400) is None
    assert len(reuse) == 0


def test_a_token_that_would_outlive_a_new_ones_expiry_is_not_reused() -> None:
    """A rotation's grace or the key's own expiry came closer: a new token ends sooner."""
    reuse = TokenReuse()
    reuse.keep("key-a", SIGNED)

    assert reuse.find("key-a", now=1010, expires_at_most=1200) is None


def test_the_least_recently_used_token_goes_first() -> None:
    reuse = TokenReuse(size=2)
    for name in ("a", "b"):
        reuse.keep(name, SIGNED)
    reuse.find("a", now=1000, expires_at_most=1300)
    reuse.keep("c", SIGNED)

    assert reuse.find("b", now=1000, expires_at_most=1300) is None
    assert reuse.find("a", now=1000, expires_at_most=1300) == SIGNED


def test_a_key_gets_its_rate_then_waits_for_a_refill() -> None:
    ticks = FakeMonotonic()
    rate = SignRate(per_minute=2, monotonic=ticks)
    rate.take("key-a")
    rate.take("key-a")

    with pytest.raises(TokenRateLimited) as limited:
        rate.take("key-a")
    rate.take("key-b")  # another key has its own bucket
    ticks.now += 30

    rate.take("key-a")
    assert limited.value.retry_after == 30


def test_a_rate_of_zero_limits_nothing() -> None:
    rate = SignRate(per_minute=0)

    for _ in range(1000):
        rate.take("key-a")


@pytest.mark.parametrize(
    ("allowlist", "routes", "only"),
    [
        ((), ("* /*",), False),
        (("10.0.0.0/8",), ("* /*",), True),
        ((), ("GET /orders/*",), True),
        ((), ("GET /*", "POST /*"), True),
        ((), ("GET /orders/*", "* /*"), False),
    ],
)
def test_tokens_are_latchkey_only_with_an_allowlist_or_narrowed_routes(
    allowlist: tuple[str, ...], routes: tuple[str, ...], only: bool
) -> None:
    assert latchkey_only(allowlist, routes) is only


def test_the_latchkey_only_audience_differs_from_the_public_one() -> None:
    tokens = AccessTokenSettings(issuer="https://latchkey.test", audience="orders-api")

    assert tokens.latchkey_audience == "orders-api#latchkey-only"
    assert tokens.latchkey_audience != tokens.audience_or_issuer


def test_a_negative_signing_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE"):
        Settings.from_env({"LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE": "-1"})
