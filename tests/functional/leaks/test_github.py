"""GitHub's secret scanning partner endpoint: signed batches labelled, live keys handled."""

from __future__ import annotations

import hashlib
import json

import pytest

from chalicelib.domain.key_format import KeyFormat
from chalicelib.wiring.services import Services
from tests.fake_github import KEY_ID, TOKEN_TYPE
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.leaks.conftest import Scanner, notify_policy
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox


def test_a_live_key_is_labelled_true_positive_and_revoked_by_secret_scanning(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, clock: FakeClock
) -> None:
    created = create_key(api, acme.group_id, name="Billing sync")
    key_id, token = created["key"]["id"], created["secret"]
    used = leak_services.tenants.get("acme").keys_used

    response = scanner.github_report(token)

    assert response.status_code == 200
    assert json_of(response) == [
        {
            "token_hash": hashlib.sha256(token.encode()).hexdigest(),
            "token_type": TOKEN_TYPE,
            "label": "true_positive",
        }
    ]
    key = json_of(api.call("GET", f"/v1/keys/{key_id}"))
    assert key["status"] == "revoked"
    assert key["revoked_by"] == {
        "type": "system",
        "id": "secret-scanning",
        "name": "Secret scanning",
    }
    assert key["leak"] == {
        "reported_at": "2026-11-24T12:00:00Z",
        "source": "github:content",
        "url": "https://github.com",  # the URL's scheme and host only, never its path
    }
    # The revoke freed the slot and the group's count, as every revoke does.
    assert leak_services.tenants.get("acme").keys_used == used - 1
    assert leak_services.groups.get("acme", acme.group_id).key_count == used - 1
    assert not leak_services.verifier.verify(token, None).valid


def test_the_leak_and_the_revocation_are_audited_with_the_change(
    scanner: Scanner, api: Api, acme: Tenant
) -> None:
    created = create_key(api, acme.group_id)
    key_id = created["key"]["id"]

    scanner.github_report(created["secret"])

    events = json_of(api.call("GET", f"/v1/audit-events?key_id={key_id}"))["events"]
    by_action = {event["action"]: event for event in events}
    assert set(by_action) == {"key.created", "key.leaked", "key.revoked"}
    for action in ("key.leaked", "key.revoked"):
        assert by_action[action]["actor"]["id"] == "secret-scanning"
    assert by_action["key.leaked"]["changes"]["leak_source"] == {
        "before": None,
        "after": "github:content",
    }
    assert by_action["key.revoked"]["changes"]["status"] == {
        "before": "active",
        "after": "revoked",
    }


def test_false_positives_are_labelled_and_change_nothing(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, outbox: Outbox
) -> None:
    created = create_key(api, acme.group_id)
    token = created["secret"]
    wrong_secret, _ = KeyFormat("lk_test").mint(created["key"]["id"])
    unknown, _ = KeyFormat("lk_test").mint()
    wrong_checksum = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = table_snapshot(leak_services)

    labels = scanner.labels(wrong_secret, unknown, wrong_checksum, token[:-3], "lk_test_x")

    assert labels == ["false_positive"] * 5
    assert table_snapshot(leak_services) == before
    assert outbox.events() == []


def test_a_batch_labels_each_token_in_order(scanner: Scanner, api: Api, acme: Tenant) -> None:
    live = create_key(api, acme.group_id)["secret"]

    assert scanner.labels("not a key", live, "lk_test_nope") == [
        "false_positive",
        "true_positive",
        "false_positive",
    ]


@pytest.mark.parametrize(
    "forge",
    ["no headers", "unpublished key", "unknown identifier", "tampered body", "garbage signature"],
)
def test_a_bad_or_missing_signature_is_a_401_that_reads_and_changes_nothing(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, forge: str
) -> None:
    github = scanner.github
    token = create_key(api, acme.group_id)["secret"]
    body = github.body(token)
    headers = {
        "no headers": {},
        "unpublished key": github.sign(body, key=github.unpublished),
        "unknown identifier": github.sign(body, key_id="f" * 64),
        "tampered body": github.sign(body.replace(b"content", b"commit!")),
        "garbage signature": {
            "Github-Public-Key-Identifier": KEY_ID,
            "Github-Public-Key-Signature": "bm90IGEgc2lnbmF0dXJl",
        },
    }[forge]
    before = table_snapshot(leak_services)

    response = scanner.github_report(headers=headers, body=body)

    assert response.status_code == 401
    assert json_of(response)["code"] == "unauthenticated"
    assert table_snapshot(leak_services) == before


def test_github_unreachable_after_the_list_was_fetched_keeps_the_cached_list(
    scanner: Scanner, api: Api, acme: Tenant
) -> None:
    first = create_key(api, acme.group_id)["secret"]
    assert scanner.labels(first) == ["true_positive"]
    scanner.github.go_offline()

    second = create_key(api, acme.group_id)["secret"]

    assert scanner.labels(second) == ["true_positive"]


def test_the_same_report_twice_changes_nothing_and_announces_once(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, outbox: Outbox
) -> None:
    token = create_key(api, acme.group_id)["secret"]
    assert scanner.labels(token) == ["true_positive"]
    after_first = table_snapshot(leak_services)
    assert len(outbox.events()) == 1

    assert scanner.labels(token, token) == ["true_positive", "true_positive"]

    assert table_snapshot(leak_services) == after_first
    assert outbox.events() == []


def test_with_notify_the_key_keeps_working_and_the_leak_is_recorded_once(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, outbox: Outbox
) -> None:
    notify_policy(api)
    created = create_key(api, acme.group_id)
    key_id, token = created["key"]["id"], created["secret"]

    assert scanner.labels(token) == ["true_positive"]
    after_first = table_snapshot(leak_services)
    assert scanner.labels(token) == ["true_positive"]

    key = json_of(api.call("GET", f"/v1/keys/{key_id}"))
    assert key["status"] == "active"
    assert key["leak"]["source"] == "github:content"
    assert leak_services.verifier.verify(token, None).valid
    assert table_snapshot(leak_services) == after_first
    (event,) = outbox.events()
    assert event["detail"]["action"] == "notified"


def test_a_rotated_key_whose_new_secret_leaks_is_recorded_again(
    scanner: Scanner, api: Api, acme: Tenant, outbox: Outbox
) -> None:
    notify_policy(api)
    created = create_key(api, acme.group_id)
    key_id = created["key"]["id"]
    scanner.labels(created["secret"])
    rotated = json_of(api.call("POST", f"/v1/keys/{key_id}/rotate", {}))

    assert scanner.labels(rotated["secret"], created["secret"]) == [
        "true_positive",  # the new secret leaked: a new leak
        "false_positive",  # the old one died with the rotation (no grace period)
    ]

    assert len(outbox.events()) == 2


def test_the_event_and_the_message_say_what_happened(
    scanner: Scanner, api: Api, acme: Tenant, outbox: Outbox
) -> None:
    created = create_key(api, acme.group_id, name="Nightly export")
    key_id = created["key"]["id"]

    scanner.labels(created["secret"])

    (event,) = outbox.events()
    assert event["source"] == "latchkey"
    assert event["detail-type"] == "API Key Leaked"
    assert event["detail"] == {
        "tenant_id": "acme",
        "key_id": key_id,
        "key_name": "Nightly export",
        "group_id": acme.group_id,
        "source": "github:content",
        "url": "https://github.com",
        "reported_at": "2026-11-24T12:00:00Z",
        "action": "revoked",
    }
    (message,) = outbox.digests()
    assert message["MessageAttributes"]["tenant_id"]["Value"] == "acme"
    assert key_id in message["Subject"]
    assert "revoked" in message["Message"]
    assert "Where: https://github.com\n" in message["Message"]
    assert outbox.globex_digests() == []  # the tenant attribute filters


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"token": "x"}', 400, "malformed_json"),
        (b"[]", 422, "validation_failed"),
        (b'[{"type": "x"}]', 422, "validation_failed"),
    ],
)
def test_a_signed_but_malformed_batch_is_refused_and_changes_nothing(
    scanner: Scanner, leak_services: Services, body: bytes, status: int, code: str
) -> None:
    before = table_snapshot(leak_services)

    response = scanner.github_report(body=body, headers=scanner.github.sign(body))

    assert (response.status_code, json_of(response)["code"]) == (status, code)
    assert table_snapshot(leak_services) == before


def test_batches_over_the_documented_limits_are_refused(scanner: Scanner) -> None:
    many = json.dumps([{"token": "x", "type": "t"}] * 501).encode()
    huge = b"[" + b" " * (512 * 1024) + b"]"

    too_many = scanner.github_report(body=many, headers=scanner.github.sign(many))
    too_big = scanner.github_report(body=huge, headers=scanner.github.sign(huge))

    assert (too_many.status_code, json_of(too_many)["code"]) == (422, "validation_failed")
    assert (too_big.status_code, json_of(too_big)["code"]) == (413, "payload_too_large")
