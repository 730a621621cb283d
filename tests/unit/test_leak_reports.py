"""A leak report's decision, on fakes: what costs a read, what is a true positive, what acts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.leaks import (
    SCANNER,
    Label,
    LeakNotice,
    LeakPorts,
    LeakService,
    Report,
    Taken,
    fingerprint,
    source_label,
    where_found,
)
from chalicelib.domain.peppers import StaticPeppers, hash_secret
from chalicelib.domain.records import (
    Actor,
    ApiKey,
    KeyStatus,
    LeakMark,
    LeakPolicy,
    Origin,
    SecretHash,
    Tenant,
)
from chalicelib.domain.verification import Verifier
from tests.support.records import make_key

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PEPPERS = StaticPeppers({1: b"pepper"})
FORMAT = KeyFormat("lk_test")
ORIGIN = Origin(Actor("system", "anonymous", "anonymous"), "192.0.2.7", "GitHub-Hookshot", "r-1")


class Fakes:
    """Every port of the service, recording what it was asked."""

    def __init__(self, policy: LeakPolicy = LeakPolicy.REVOKE) -> None:
        self.keys: dict[str, ApiKey] = {}
        self.reads = 0
        self.policy = policy
        self.revoked: list[LeakMark] = []
        self.marked: list[LeakMark] = []
        self.notices: list[LeakNotice] = []
        self.ended: list[tuple[ApiKey, LeakMark, SecretHash]] = []

    def get_key(self, key_id: str) -> ApiKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def get(self, tenant_id: str) -> Tenant:
        return Tenant(tenant_id, 10, 1, NOW, leak_policy=self.policy)

    def revoke_leaked(self, key: ApiKey, origin: Origin, leak: LeakMark) -> ApiKey | None:
        assert origin.actor == SCANNER
        self.revoked.append(leak)
        return replace(key, status=KeyStatus.REVOKED)

    def mark(self, key: ApiKey, mark: LeakMark) -> bool:
        self.marked.append(mark)
        return True

    def end_grace(self, key: ApiKey, mark: LeakMark, previous: SecretHash) -> bool:
        self.ended.append((key, mark, previous))
        return True

    def leaked(self, notice: LeakNotice) -> None:
        self.notices.append(notice)

    def service(self) -> LeakService:
        verifier = Verifier(FORMAT, self, PEPPERS, lambda: NOW)
        return LeakService(FORMAT, LeakPorts(self, verifier, self, self, self, self), lambda: NOW)

    def add_key(self, **changes: object) -> tuple[ApiKey, str]:
        token, parts = FORMAT.mint()
        fields: dict[str, object] = {
            "key_id": parts.key_id,
            "name": "Billing",
            "group_id": "grp_1",
            "created_by": Actor("user", "u-1", "Ada"),
            "created_at": NOW,
            "updated_at": NOW,
            "hint": "",
            "current_secret": SecretHash(hash_secret(b"pepper", parts.secret), 1),
        }
        key = make_key(**(fields | changes))
        self.keys[key.key_id] = key
        return key, token


def test_a_malformed_token_is_a_false_positive_that_costs_no_read() -> None:
    fakes = Fakes()
    _, token = fakes.add_key()
    service = fakes.service()
    near_misses = [
        token[:-1] + ("A" if token[-1] != "A" else "B"),  # wrong checksum
        token[:-1],  # wrong length
        token.replace("lk_test", "lk_live"),  # another stage's prefix
        "",
    ]

    labels = [service.report(Report(miss, "report"), ORIGIN) for miss in near_misses]

    assert labels == [Label.FALSE_POSITIVE] * len(near_misses)
    assert fakes.reads == 0


def test_a_well_formed_token_with_the_wrong_secret_is_a_false_positive_after_one_read() -> None:
    fakes = Fakes()
    key, _ = fakes.add_key()
    forged, _ = FORMAT.mint(key.key_id)

    assert fakes.service().report(Report(forged, "report"), ORIGIN) is Label.FALSE_POSITIVE
    assert fakes.reads == 1
    assert (fakes.revoked, fakes.marked, fakes.notices) == ([], [], [])


def test_the_live_secret_is_a_true_positive_revoked_and_announced() -> None:
    fakes = Fakes()
    key, token = fakes.add_key()

    label = fakes.service().report(Report(token, "github:content", "https://x.test"), ORIGIN)

    assert label is Label.TRUE_POSITIVE
    (mark,) = fakes.revoked
    assert mark.fingerprint == fingerprint(key.current_secret)
    assert mark.event.action == "key.leaked"
    assert mark.event.origin == replace(ORIGIN, actor=SCANNER)
    (notice,) = fakes.notices
    assert (notice.key_id, notice.source, notice.url, notice.action) == (
        key.key_id,
        "github:content",
        "https://x.test",
        Taken.REVOKED,
    )


def test_with_the_notify_policy_the_leak_is_marked_not_revoked() -> None:
    fakes = Fakes(LeakPolicy.NOTIFY)
    _, token = fakes.add_key()

    assert fakes.service().report(Report(token, "report"), ORIGIN) is Label.TRUE_POSITIVE
    assert (len(fakes.marked), fakes.revoked) == (1, [])
    assert fakes.notices[0].action is Taken.NOTIFIED


def test_the_previous_secret_counts_only_inside_its_grace_period() -> None:
    fakes = Fakes()
    old_key, old_token = fakes.add_key()
    _, new_parts = FORMAT.mint(old_key.key_id)
    for until, expected in [
        (NOW + timedelta(minutes=5), Label.TRUE_POSITIVE),
        (NOW, Label.FALSE_POSITIVE),
    ]:
        fakes.keys[old_key.key_id] = replace(
            old_key,
            current_secret=SecretHash(hash_secret(b"pepper", new_parts.secret), 1),
            previous_secret=replace(old_key.current_secret, valid_until=until),
        )
        assert fakes.service().report(Report(old_token, "report"), ORIGIN) is expected


@pytest.mark.parametrize("state", ["revoked", "leak recorded"])
def test_a_revoked_key_or_a_recorded_leak_changes_nothing(state: str) -> None:
    fakes = Fakes()
    key, token = fakes.add_key()
    if state == "revoked":
        fakes.keys[key.key_id] = replace(key, status=KeyStatus.REVOKED)
    else:
        fakes.keys[key.key_id] = replace(
            key, leaked_secrets=frozenset({fingerprint(key.current_secret)})
        )

    assert fakes.service().report(Report(token, "report"), ORIGIN) is Label.TRUE_POSITIVE
    assert (fakes.revoked, fakes.marked, fakes.notices) == ([], [], [])


def test_a_failed_announcement_does_not_fail_the_report() -> None:
    class Down(Fakes):
        def leaked(self, notice: LeakNotice) -> None:
            raise ConnectionError("EventBridge unreachable")

    fakes = Down()
    _, token = fakes.add_key()

    assert fakes.service().report(Report(token, "report"), ORIGIN) is Label.TRUE_POSITIVE
    assert len(fakes.revoked) == 1


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://paste.test/raw?k={token}&also={other}", "https://paste.test"),
        ("HTTP://User:{secret}@Paste.Test:8080/x#{token}", "http://paste.test"),
        ("https://gist.github.com/octo/{secret}", "https://gist.github.com"),
        ("https://{secret}.paste.test/", None),
        ("https://{secret_lower}.paste.test/", None),  # host names have no case
        ("https://a.{run}.paste.test/", None),  # 6 characters of the secret in a row
        ("https://x{run_split}y.paste.test/", None),  # ... across a dot
        ("https://[fe80::1]/x", None),
        ("https://10.0.0.1/x", None),
        ("https://b\u00fccher.example/", None),
        ("javascript:alert(1)", None),
        ("ftp://paste.test/a", None),
        ("//paste.test/a", None),
        ("https://[::1/x", None),  # unbalanced bracket: urlsplit raises
        ("", None),
        (None, None),
    ],
)
def test_a_reported_url_keeps_its_scheme_and_host_name_only(url: str | None, kept: str) -> None:
    token, parts = FORMAT.mint()
    other, _ = KeyFormat("acme_live").mint()
    secret = parts.secret
    filled = None
    if url is not None:
        filled = url.format(
            token=token,
            other=other,
            secret=secret,
            secret_lower=secret.lower(),
            run=secret[10:16],
            run_split=f"{secret[10:13]}.{secret[13:16]}",
        )

    assert where_found(filled, secret) == kept


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("report", "report"),
        ("github:content", "github:content"),
        ("github:pull_request_title", "github:pull_request_title"),
        ("github:lk_test_Ab1", "github"),
        ("github:Content", "github"),
        ("github:" + "a" * 80, "github"),
        ("github:x{run}", "github"),
        ("weird source", "unknown"),
    ],
)
def test_a_source_keeps_its_expected_shape_or_less(source: str, kept: str) -> None:
    secret = "abcdefghij" + "0123456789" * 3 + "XYZ"
    assert source_label(source.format(run="abcdef"), secret) == kept


def test_a_report_stores_no_part_of_the_url_but_its_host() -> None:
    fakes = Fakes(LeakPolicy.NOTIFY)
    _, token = fakes.add_key()
    secret = token.split("_")[-1]

    fakes.service().report(Report(token, "report", f"https://p.test/{secret.upper()}"), ORIGIN)

    (mark,) = fakes.marked
    assert mark.leak.url == "https://p.test"
    assert mark.event.changes["leak_url"] == (None, "https://p.test")
    assert fakes.notices[0].url == "https://p.test"
    assert "p.test/" not in repr(Report(token, "report", "https://p.test/x"))


@pytest.mark.parametrize("policy", list(LeakPolicy))
def test_a_leaked_previous_secret_ends_its_grace_and_keeps_the_key(policy: LeakPolicy) -> None:
    fakes = Fakes(policy)
    old_key, old_token = fakes.add_key()
    _, new_parts = FORMAT.mint(old_key.key_id)
    until = NOW + timedelta(minutes=5)
    fakes.keys[old_key.key_id] = replace(
        old_key,
        current_secret=SecretHash(hash_secret(b"pepper", new_parts.secret), 1),
        previous_secret=replace(old_key.current_secret, valid_until=until),
    )

    label = fakes.service().report(Report(old_token, "report"), ORIGIN)

    assert label is Label.TRUE_POSITIVE
    assert (fakes.revoked, fakes.marked) == ([], [])
    ((_, mark, previous),) = fakes.ended
    assert previous == replace(old_key.current_secret, valid_until=until)
    assert mark.fingerprint == fingerprint(previous)
    assert mark.event.action == "key.leaked"
    assert mark.event.changes["previous_secret_valid_until"] == (until, NOW)
    (notice,) = fakes.notices
    assert notice.action is Taken.PREVIOUS_SECRET_ENDED
