"""Secret hashing under versioned peppers, from configuration or from SSM (faked here)."""

from __future__ import annotations

import hashlib
import string
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.peppers import (
    PepperUnavailable,
    StaticPeppers,
    hash_secret,
    secret_matches,
)
from chalicelib.storage.ssm_peppers import SsmPeppers
from tests.support.examples import PURE

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
PARAMETER = "/latchkey/test/pepper"


def oracle_hmac_sha256(key: bytes, message: bytes) -> str:
    """HMAC from its definition (RFC 2104), without the ``hmac`` module the code uses."""
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key) + message).digest()
    return hashlib.sha256(bytes(b ^ 0x5C for b in key) + inner).hexdigest()


# --- hashing ---------------------------------------------------------------------------


def test_hash_matches_the_rfc_4231_test_vector() -> None:
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert hash_secret(b"Jefe", "what do ya want for nothing?") == expected


@PURE
@given(
    pepper=st.binary(min_size=1, max_size=100),
    secret=st.text(alphabet=BASE62, min_size=0, max_size=60),
)
def test_hash_is_hex_hmac_sha256_of_the_secret_under_the_pepper(pepper: bytes, secret: str) -> None:
    digest = hash_secret(pepper, secret)
    assert digest == oracle_hmac_sha256(pepper, secret.encode())
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")


def test_hash_does_not_contain_the_secret_or_the_pepper() -> None:
    digest = hash_secret(b"pepper-value", "s3cr3t")
    assert "s3cr3t" not in digest
    assert "pepper" not in digest


def test_same_secret_under_different_peppers_hashes_differently() -> None:
    assert hash_secret(b"one", "secret") != hash_secret(b"two", "secret")


def test_matching_secret_matches() -> None:
    stored = hash_secret(b"pepper", "the-secret")
    assert secret_matches(b"pepper", "the-secret", stored) is True


@pytest.mark.parametrize(
    ("pepper", "secret"),
    [
        (b"pepper", "the-secreT"),
        (b"pepper", "the-secret "),
        (b"pepper", ""),
        (b"other", "the-secret"),
    ],
)
def test_wrong_secret_or_pepper_does_not_match(pepper: bytes, secret: str) -> None:
    stored = hash_secret(b"pepper", "the-secret")
    assert secret_matches(pepper, secret, stored) is False


def test_a_truncated_stored_hash_does_not_match() -> None:
    stored = hash_secret(b"pepper", "the-secret")
    assert secret_matches(b"pepper", "the-secret", stored[:-1]) is False
    assert secret_matches(b"pepper", "the-secret", "") is False


# --- peppers from configuration --------------------------------------------------------


def test_static_current_is_the_highest_version() -> None:
    peppers = StaticPeppers({2: b"two", 10: b"ten", 9: b"nine", 1: b"one"})
    assert peppers.current() == (10, b"ten")


def test_static_get_returns_each_configured_version() -> None:
    peppers = StaticPeppers({1: b"one", 2: b"two"})
    assert peppers.get(1) == b"one"
    assert peppers.get(2) == b"two"


def test_static_get_of_an_unknown_version_is_unavailable() -> None:
    peppers = StaticPeppers({1: b"one-value"})
    with pytest.raises(PepperUnavailable, match="version 3") as raised:
        peppers.get(3)
    assert "one-value" not in str(raised.value)


def test_static_without_peppers_has_no_current() -> None:
    with pytest.raises(PepperUnavailable, match="LATCHKEY_PEPPERS"):
        StaticPeppers({}).current()


# --- peppers from SSM ------------------------------------------------------------------


class FakeSsm:
    """Answers ``get_parameter`` like SSM for one parameter's versions; records each call."""

    def __init__(self, versions: dict[int, str], fail_with: Exception | None = None) -> None:
        self.versions = versions
        self.fail_with = fail_with
        self.calls: list[tuple[str, bool]] = []

    def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, Any]:
        self.calls.append((Name, WithDecryption))
        if self.fail_with is not None:
            raise self.fail_with
        name, _, selector = Name.partition(":")
        assert name == PARAMETER
        version = int(selector) if selector else max(self.versions)
        if version not in self.versions:
            raise LookupError(f"ParameterVersionNotFound: {Name}")
        return {"Parameter": {"Name": name, "Version": version, "Value": self.versions[version]}}


class Factory:
    """Builds the fake client, counting how often it is asked to."""

    def __init__(self, client: FakeSsm) -> None:
        self.client = client
        self.built = 0

    def __call__(self) -> object:
        self.built += 1
        return self.client


def ssm_peppers(
    versions: dict[int, str], fail_with: Exception | None = None
) -> tuple[SsmPeppers, FakeSsm, Factory]:
    client = FakeSsm(versions, fail_with)
    factory = Factory(client)
    return SsmPeppers(PARAMETER, factory), client, factory


def test_ssm_client_is_not_created_until_a_pepper_is_needed() -> None:
    _, client, factory = ssm_peppers({1: "one"})
    assert factory.built == 0
    assert client.calls == []


def test_ssm_current_is_the_latest_version_read_with_decryption() -> None:
    peppers, client, _ = ssm_peppers({1: "one", 2: "two"})
    assert peppers.current() == (2, b"two")
    assert client.calls == [(PARAMETER, True)]


def test_ssm_current_is_read_once_per_container() -> None:
    peppers, client, factory = ssm_peppers({1: "one", 2: "two"})
    for _ in range(5):
        assert peppers.current() == (2, b"two")
    assert len(client.calls) == 1
    assert factory.built == 1


def test_ssm_current_version_is_not_read_again_by_get() -> None:
    peppers, client, _ = ssm_peppers({1: "one", 2: "two"})
    peppers.current()
    assert peppers.get(2) == b"two"
    assert len(client.calls) == 1


def test_ssm_get_selects_the_version_and_caches_it() -> None:
    peppers, client, factory = ssm_peppers({1: "one", 2: "two", 3: "three"})
    assert peppers.get(1) == b"one"
    assert peppers.get(1) == b"one"
    assert peppers.get(3) == b"three"
    assert peppers.get(3) == b"three"
    assert client.calls == [(f"{PARAMETER}:1", True), (f"{PARAMETER}:3", True)]
    assert factory.built == 1


def test_ssm_get_of_an_old_version_does_not_change_current() -> None:
    peppers, _, _ = ssm_peppers({1: "one", 2: "two"})
    peppers.get(1)
    assert peppers.current() == (2, b"two")


def test_ssm_unknown_version_is_unavailable() -> None:
    peppers, _, _ = ssm_peppers({1: "one"})
    with pytest.raises(PepperUnavailable, match=f"{PARAMETER}:7"):
        peppers.get(7)


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("AccessDenied"),
        ConnectionError("endpoint unreachable"),
        TimeoutError(),
        KeyError("Parameter"),
    ],
)
def test_any_ssm_failure_is_pepper_unavailable(error: Exception) -> None:
    peppers, _, _ = ssm_peppers({1: "one"}, fail_with=error)
    with pytest.raises(PepperUnavailable, match=type(error).__name__):
        peppers.current()
    with pytest.raises(PepperUnavailable):
        peppers.get(1)


def test_ssm_failure_message_and_chain_hold_no_pepper_value() -> None:
    peppers, client, _ = ssm_peppers({1: "PEPPER-VALUE-ONE", 2: "PEPPER-VALUE-TWO"})
    assert peppers.current() == (2, b"PEPPER-VALUE-TWO")
    # A client error whose text carries a pepper (as a careless SDK message might).
    client.fail_with = RuntimeError("denied; cached value was PEPPER-VALUE-TWO")
    with pytest.raises(PepperUnavailable) as raised:
        peppers.get(1)
    assert "PEPPER-VALUE" not in str(raised.value)
    assert "PEPPER-VALUE" not in repr(raised.value.args)
    # ``from None``: a traceback does not print the client's error under ours.
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__ is True


def test_ssm_failure_is_not_cached_and_the_next_call_retries() -> None:
    peppers, client, _ = ssm_peppers({1: "one"}, fail_with=RuntimeError("throttled"))
    with pytest.raises(PepperUnavailable):
        peppers.current()
    client.fail_with = None
    assert peppers.current() == (1, b"one")
    assert len(client.calls) == 2
