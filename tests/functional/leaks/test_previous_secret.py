"""A rotation's previous secret reported leaked inside its grace period: the grace ends at
once, the leak is recorded and announced, and the key and its new secret keep working."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of
from tests.functional.leaks.conftest import Scanner, notify_policy
from tests.support.api import Api, Tenant
from tests.support.outbox import Outbox


def rotated_with_grace(api: Api, group_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    created = create_key(api, group_id)
    rotate = {"grace_period_seconds": 3600}
    rotated = api.call("POST", f"/v1/keys/{created['key']['id']}/rotate", rotate)
    assert rotated.status_code == 200, rotated.body
    return created, json_of(rotated)


def verify(api: Api, token: str) -> str:
    response = api.as_key(None).call("POST", "/v1/verify", {"key": token})
    code: str = json_of(response)["code"]
    return code


@pytest.mark.parametrize("policy", ["revoke", "notify"])
@pytest.mark.parametrize("endpoint", ["github", "public"])
def test_a_leaked_previous_secret_ends_its_grace_and_leaves_the_new_secret_working(
    scanner: Scanner,
    api: Api,
    acme: Tenant,
    leak_services: Services,
    outbox: Outbox,
    policy: str,
    endpoint: str,
) -> None:
    if policy == "notify":
        notify_policy(api)
    created, rotated = rotated_with_grace(api, acme.group_id)
    key_id, old, new = created["key"]["id"], created["secret"], rotated["secret"]
    assert (verify(api, old), verify(api, new)) == ("VALID", "VALID")

    if endpoint == "github":
        assert scanner.labels(old) == ["true_positive"]
    else:
        assert scanner.public_report(old, "https://paste.test/x").status_code == 202

    assert (verify(api, old), verify(api, new)) == ("NOT_FOUND", "VALID")
    key = json_of(api.call("GET", f"/v1/keys/{key_id}"))
    assert key["status"] == "active"
    assert key["previous_secret_valid_until"] is None
    assert key["leak"]["reported_at"] == "2026-11-24T12:00:00Z"
    events = json_of(api.call("GET", f"/v1/audit-events?key_id={key_id}"))["events"]
    leaked = [event for event in events if event["action"] == "key.leaked"]
    assert [event["actor"]["id"] for event in leaked] == ["secret-scanning"]
    assert leaked[0]["changes"]["previous_secret_valid_until"] == {
        "before": "2026-11-24T13:00:00Z",
        "after": "2026-11-24T12:00:00Z",
    }
    assert "key.revoked" not in {event["action"] for event in events}
    (event,) = outbox.events()
    assert event["detail"]["action"] == "previous_secret_ended"
    (message,) = outbox.digests()
    assert "current secret still works" in message["Message"]
    assert leak_services.tenants.get("acme").keys_used == 2  # the admin key and this one


def test_a_repeated_report_of_the_previous_secret_changes_nothing_more(
    scanner: Scanner, api: Api, acme: Tenant, outbox: Outbox
) -> None:
    created, rotated = rotated_with_grace(api, acme.group_id)
    old, new = created["secret"], rotated["secret"]

    assert scanner.labels(old) == ["true_positive"]
    # Dead now: a second report is a false positive and nothing is announced again.
    assert scanner.labels(old) == ["false_positive"]
    assert len(outbox.events()) == 1
    assert verify(api, new) == "VALID"


def test_the_new_secret_leaking_after_the_old_one_still_acts_on_the_policy(
    scanner: Scanner, api: Api, acme: Tenant, outbox: Outbox
) -> None:
    created, rotated = rotated_with_grace(api, acme.group_id)
    scanner.labels(created["secret"])

    assert scanner.labels(rotated["secret"]) == ["true_positive"]

    key = json_of(api.call("GET", f"/v1/keys/{created['key']['id']}"))
    assert key["status"] == "revoked"
    assert [event["detail"]["action"] for event in outbox.events()] == [
        "previous_secret_ended",
        "revoked",
    ]
