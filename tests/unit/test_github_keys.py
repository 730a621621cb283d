"""GitHub's signatures: checked against its published P-256 keys, cached, refetched sparingly."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.identity.github_keys import CACHE_FOR, GitHubKeys
from chalicelib.identity.public_keys import REFETCH_AT_MOST_EVERY, fetch_json
from tests.fake_github import KEY_ID, FakeGitHub
from tests.support.clock import FakeMonotonic


class CountingFetch:
    """GitHub's list endpoint as the cache sees it: counted, and able to fail."""

    def __init__(self, github: FakeGitHub) -> None:
        self.github = github
        self.calls = 0
        self.down = False

    def __call__(self, url: str) -> dict[str, Any]:
        self.calls += 1
        if self.down:
            raise OSError("GitHub unreachable")
        return self.github.document()


@pytest.fixture
def github(tmp_path: Path) -> FakeGitHub:
    return FakeGitHub(tmp_path)


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def fetch(github: FakeGitHub) -> CountingFetch:
    return CountingFetch(github)


@pytest.fixture
def keys(github: FakeGitHub, fetch: CountingFetch, clock: FakeMonotonic) -> GitHubKeys:
    return GitHubKeys(github.url, fetch, clock)


def check(keys: GitHubKeys, body: bytes, headers: dict[str, str]) -> bool:
    return keys.verify(
        headers["Github-Public-Key-Identifier"], headers["Github-Public-Key-Signature"], body
    )


def test_a_body_signed_with_the_published_key_is_accepted(
    keys: GitHubKeys, github: FakeGitHub
) -> None:
    body = github.body("lk_test_x")
    assert check(keys, body, github.sign(body))


def test_the_list_is_fetched_through_a_file_url(github: FakeGitHub) -> None:
    body = github.body("lk_test_x")
    assert check(GitHubKeys(github.url, fetch_json), body, github.sign(body))


@pytest.mark.parametrize(
    "forge",
    [
        "changed body",
        "unpublished key",
        "signature of another body",
        "not base64",
        "truncated signature",
        "missing signature",
        "missing identifier",
    ],
)
def test_a_bad_or_missing_signature_is_refused(
    keys: GitHubKeys, github: FakeGitHub, forge: str
) -> None:
    body = github.body("lk_test_x")
    headers = github.sign(body)
    signature = headers["Github-Public-Key-Signature"]
    if forge == "changed body":
        body = body.replace(b"content", b"commit!")
    elif forge == "unpublished key":
        headers = github.sign(body, key=github.unpublished)
    elif forge == "signature of another body":
        headers = github.sign(b"[]")
    elif forge == "not base64":
        headers["Github-Public-Key-Signature"] = "%%%not-base64%%%"
    elif forge == "truncated signature":
        headers["Github-Public-Key-Signature"] = base64.b64encode(
            base64.b64decode(signature)[:-4]
        ).decode()
    elif forge == "missing signature":
        headers["Github-Public-Key-Signature"] = ""
    else:
        headers["Github-Public-Key-Identifier"] = ""

    assert not check(keys, body, headers)


def test_an_unknown_identifier_refetches_the_list_at_most_once_a_minute(
    keys: GitHubKeys, github: FakeGitHub, fetch: CountingFetch, clock: FakeMonotonic
) -> None:
    body = github.body("lk_test_x")
    assert check(keys, body, github.sign(body))
    assert fetch.calls == 1
    # GitHub rotates to a new key; the first request signed with it arrives.
    github.publish({KEY_ID: github.private, "new-key": github.unpublished})
    clock.now += REFETCH_AT_MOST_EVERY  # a minute after the last fetch

    assert check(keys, body, github.sign(body, github.unpublished, "new-key"))
    assert fetch.calls == 2
    # Forged identifiers within the minute cost no fetch at all.
    for number in range(20):
        clock.now += 1
        assert not check(keys, body, github.sign(body, key_id=f"forged-{number}"))
    assert fetch.calls == 2
    clock.now += REFETCH_AT_MOST_EVERY
    assert not check(keys, body, github.sign(body, key_id="forged-again"))
    assert fetch.calls == 3


def test_the_list_is_cached_for_an_hour(
    keys: GitHubKeys, github: FakeGitHub, fetch: CountingFetch, clock: FakeMonotonic
) -> None:
    body = github.body("lk_test_x")
    assert check(keys, body, github.sign(body))
    for _ in range(5):
        clock.now += CACHE_FOR / 6
        assert check(keys, body, github.sign(body))
    assert fetch.calls == 1
    clock.now += CACHE_FOR / 6  # an hour after the fetch

    assert check(keys, body, github.sign(body))
    assert fetch.calls == 2


def test_a_stale_list_keeps_serving_while_github_is_unreachable(
    keys: GitHubKeys, github: FakeGitHub, fetch: CountingFetch, clock: FakeMonotonic
) -> None:
    body = github.body("lk_test_x")
    assert check(keys, body, github.sign(body))
    fetch.down = True
    clock.now += 3 * CACHE_FOR

    assert check(keys, body, github.sign(body))
    assert fetch.calls == 2
    # Failing fetches are rate-limited too: an outage is not a fetch per request.
    for _ in range(10):
        assert check(keys, body, github.sign(body))
    assert fetch.calls == 2


def test_with_no_list_ever_fetched_every_signature_is_refused(
    keys: GitHubKeys, github: FakeGitHub, fetch: CountingFetch
) -> None:
    fetch.down = True
    body = github.body("lk_test_x")

    assert not check(keys, body, github.sign(body))


def test_keys_that_are_not_p256_are_ignored(
    github: FakeGitHub, fetch: CountingFetch, clock: FakeMonotonic
) -> None:
    github.publish({KEY_ID: ec.generate_private_key(ec.SECP384R1())})
    keys = GitHubKeys(github.url, fetch, clock)
    body = github.body("lk_test_x")

    assert keys.key(KEY_ID) is None
    assert not check(keys, body, github.sign(body))
