"""The audit trail: one event per lifecycle change, written with the change, never a secret."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.secrets import secret_part


def events(api: Api, query: str = "") -> list[dict[str, Any]]:
    response = api.call("GET", f"/v1/audit-events{query}")
    assert response.status_code == 200, response.body
    found: list[dict[str, Any]] = json_of(response)["events"]
    return found


def audit_items(services: Services) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=services.settings.region)
    items: list[dict[str, Any]] = client.scan(TableName=services.settings.dynamodb.audit_table)[
        "Items"
    ]
    return items


def test_each_key_change_writes_one_event_with_who_where_and_what(
    api: Api, acme: Tenant, clock: FakeClock
) -> None:
    agent = {"User-Agent": "erp-provisioner/2.1"}
    created = json_of(
        api.call("POST", "/v1/keys", {"name": "ERP", "group_id": acme.group_id}, headers=agent)
    )
    key_id = created["key"]["id"]
    clock.advance(minutes=1)
    api.call("PATCH", f"/v1/keys/{key_id}", {"name": "ERP v2", "description": "d"})
    clock.advance(minutes=1)
    api.call("POST", f"/v1/keys/{key_id}/rotate", {"grace_period_seconds": 60})
    clock.advance(minutes=1)
    api.call("POST", f"/v1/keys/{key_id}/revoke")
    api.call("POST", f"/v1/keys/{key_id}/revoke")  # changes nothing: no event

    trail = events(api, f"?key_id={key_id}")
    assert [event["action"] for event in trail] == [
        "key.revoked",
        "key.rotated",
        "key.updated",
        "key.created",
    ]
    revoked, rotated, updated, made = trail
    assert made["actor"]["type"] == "key"
    assert made["actor"]["name"] == "Admin key"
    assert made["source_ip"] == "127.0.0.1"
    assert made["user_agent"] == "erp-provisioner/2.1"
    assert made["target"] == {"type": "key", "id": key_id}
    assert made["changes"]["name"] == {"before": None, "after": "ERP"}
    assert updated["changes"] == {
        "name": {"before": "ERP", "after": "ERP v2"},
        "description": {"before": "", "after": "d"},
    }
    assert updated["time"] == "2026-11-24T12:01:00Z"
    assert rotated["changes"]["grace_period_seconds"] == {"before": None, "after": 60}
    assert revoked["changes"] == {"status": {"before": "active", "after": "revoked"}}


def test_group_changes_are_audited(api: Api, clock: FakeClock) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Ops"}))
    clock.advance(seconds=1)
    api.call("PATCH", f"/v1/groups/{group['id']}", {"permissions": ["keys:read"]})
    clock.advance(seconds=1)
    api.call("DELETE", f"/v1/groups/{group['id']}")
    trail = events(api, f"?key_id={group['id']}")
    assert [event["action"] for event in trail] == [
        "group.deleted",
        "group.updated",
        "group.created",
    ]
    assert trail[1]["changes"] == {"permissions": {"before": [], "after": ["keys:read"]}}


def test_tenant_limit_change_is_audited(api: Api, services: Services) -> None:
    services.tenants.set_limit("acme", 25)
    changed = events(api, "?action=tenant.limit_changed")
    assert len(changed) == 1
    assert changed[0]["changes"] == {"key_limit": {"before": 10, "after": 25}}
    assert changed[0]["actor"]["type"] == "system"


def test_a_refused_change_writes_no_event(api: Api, acme: Tenant, services: Services) -> None:
    services.tenants.set_limit("acme", 1)
    before = table_snapshot(services)
    assert (
        api.call("POST", "/v1/keys", {"name": "Over", "group_id": acme.group_id}).status_code == 409
    )
    assert api.call("POST", "/v1/keys", {"name": "x"}).status_code == 422
    assert table_snapshot(services) == before


def test_denied_authentications_are_not_audited(api: Api, services: Services) -> None:
    before = len(audit_items(services))
    for _ in range(3):
        assert api.as_key("lk_test_nope").call("GET", "/v1/keys").status_code == 401
    assert len(audit_items(services)) == before


def test_no_secret_or_hash_ever_reaches_the_trail(api: Api, acme: Tenant) -> None:
    made = create_key(api, acme.group_id)
    key_id = made["key"]["id"]
    rotated = json_of(api.call("POST", f"/v1/keys/{key_id}/rotate", {}))
    text = json.dumps(events(api))
    for token in (acme.token, made["secret"], rotated["secret"]):
        assert secret_part(token) not in text
    assert "secret_hash" not in text
    assert "pepper" not in text


def test_events_expire_after_the_retention(api: Api, services: Services, acme: Tenant) -> None:
    create_key(api, acme.group_id)
    expires = {int(item["expires"]["N"]) - int(api_time(item)) for item in audit_items(services)}
    assert expires == {400 * 86400}


def api_time(item: dict[str, Any]) -> float:
    from datetime import datetime

    return datetime.fromisoformat(item["at"]["S"]).timestamp()


def test_filters_by_action_and_time_and_pages_newest_first(
    api: Api, acme: Tenant, clock: FakeClock
) -> None:
    for hour in range(5):
        clock.advance(hours=1)
        create_key(api, acme.group_id, name=f"Key {hour}")
    created = events(api, "?action=key.created")
    assert [event["changes"]["name"]["after"] for event in created][:5] == [
        "Key 4",
        "Key 3",
        "Key 2",
        "Key 1",
        "Key 0",
    ]
    window = events(api, "?from=2026-11-24T14:30:00Z&to=2026-11-24T16:30:00Z")
    assert [event["changes"]["name"]["after"] for event in window] == ["Key 3", "Key 2"]
    seen, cursor = [], ""
    while True:
        page = json_of(api.call("GET", f"/v1/audit-events?action=key.created&limit=2{cursor}"))
        seen += [event["id"] for event in page["events"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [event["id"] for event in created]


def test_another_tenants_trail_is_invisible(api: Api, globex: Tenant) -> None:
    theirs = Api(api.client, globex.token)
    secret_group = json_of(theirs.call("POST", "/v1/groups", {"name": "Globex only"}))
    assert all(event["tenant_id"] == "acme" for event in events(api))
    assert events(api, f"?key_id={secret_group['id']}") == []


def test_readers_may_read_the_trail(api: Api) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Read", "permissions": ["keys:read"]}))
    reader = api.as_key(create_key(api, group["id"])["secret"])
    assert reader.call("GET", "/v1/audit-events").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "?action=key.exploded",
        "?limit=0",
        "?from=yesterday",
        "?cursor=!!",
        "?x=1",
        "?from=0",  # a number is not a time, though pydantic reads it as 1970
        "?from=2026-11-24T13:00:00Z&to=2026-11-24T12:00:00Z",  # was a 503 from DynamoDB
    ],
)
def test_bad_audit_query_is_a_422(api: Api, query: str) -> None:
    response = api.call("GET", f"/v1/audit-events{query}")
    assert response.status_code == 422
    assert json_of(response)["code"] == "validation_failed"
