"""``/v1/webhooks`` end to end on moto: the routes, the outbox written with each change, the
relay and the deliverer over the stored items, and the secret kept nowhere in the clear."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.clock import utc_now
from chalicelib.notify.webhook_notices import RecordingWebhookNotifier
from chalicelib.storage import webhook_outbox
from chalicelib.wiring.services import Services
from chalicelib.wiring.webhooks import Delivery, build_delivery, deliver_records, relay_records
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.secrets import logged
from tests.support.webhooks import PUBLIC, ListQueue, ScriptedTransport

HOOK = {"url": "https://hooks.acme.example/latchkey", "events": ["key.*", "group.created"]}


def register(api: Api, **fields: Any) -> dict[str, Any]:
    response = api.call("POST", "/v1/webhooks", {**HOOK, **fields})
    assert response.status_code == 201, response.body
    created: dict[str, Any] = json_of(response)
    return created


def delivery_for(services: Services, transport: ScriptedTransport) -> tuple[Delivery, ListQueue]:
    queue = ListQueue()
    wiring = services.wiring
    built = build_delivery(
        services.settings,
        wiring.connection,
        wiring.audit,
        wiring.peppers,
        queue,
        transport,
        RecordingWebhookNotifier(),
        utc_now,  # real time: the receiver's library checks the timestamp against its own
        PUBLIC,
    )
    return built, queue


def drain_outbox() -> None:
    """Forget what the tenant's bootstrap announced (before any endpoint existed)."""
    for message in list(webhook_outbox.pending()):
        webhook_outbox.relayed(message)


def relay_outbox(delivery: Delivery) -> int:
    relayed = 0
    for message in list(webhook_outbox.pending()):
        relayed += delivery.relay.relay(message)
        webhook_outbox.relayed(message)
    return relayed


def test_registering_answers_201_with_a_standard_webhooks_secret_shown_once(api: Api) -> None:
    created = register(api, description="ERP listener")
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    webhook = created["webhook"]
    assert webhook["id"].startswith("wh_")
    assert (webhook["status"], webhook["description"]) == ("enabled", "ERP listener")
    assert webhook["events"] == ["key.*", "group.created"]
    listed = api.call("GET", "/v1/webhooks")
    one = api.call("GET", f"/v1/webhooks/{webhook['id']}")
    assert [w["id"] for w in json_of(listed)["webhooks"]] == [webhook["id"]]
    assert json_of(one)["url"] == HOOK["url"]
    for answer in (listed, one):
        assert secret not in answer.body.decode()
        assert '"secret"' not in answer.body.decode()


def test_the_signing_secret_is_stored_nowhere_in_the_clear(
    api: Api, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    created = register(api)
    rotated = json_of(api.call("POST", f"/v1/webhooks/{created['webhook']['id']}/rotate-secret"))
    secrets = [created["secret"], rotated["secret"]]
    raw = [secret.removeprefix("whsec_") for secret in secrets]
    stored = json.dumps(table_snapshot(services))
    trail = api.call("GET", "/v1/audit-events").body.decode()
    assert "webhook.secret_rotated" in trail
    assert "webhook.created" in trail
    for text in (stored, trail, logged(caplog)):
        for secret in secrets + raw:
            assert secret not in text


def test_a_key_change_writes_its_outbox_item_in_the_same_transaction(
    api: Api, acme: Tenant, services: Services
) -> None:
    created = create_key(api, acme.group_id, name="ERP")
    outbox = table_snapshot(services)[services.settings.webhooks.outbox_table]
    events = json_of(api.call("GET", "/v1/audit-events?action=key.created"))["events"]
    (audited,) = [e for e in events if e["target"]["id"] == created["key"]["id"]]
    (item,) = [i for i in outbox if created["key"]["id"] in i["body"]["S"]]
    assert item["event_id"]["S"] == audited["id"]
    body = json.loads(item["body"]["S"])
    assert body["data"]["target"] == {"type": "key", "id": created["key"]["id"]}
    assert body["data"]["changes"]["name"] == {"before": None, "after": "ERP"}
    assert created["secret"].split("_")[-1][:43] not in item["body"]["S"]


def test_a_refused_change_writes_no_outbox_item(api: Api, acme: Tenant, services: Services) -> None:
    key = create_key(api, acme.group_id)["key"]["id"]
    api.call("POST", f"/v1/keys/{key}/revoke")
    before = table_snapshot(services)
    assert api.call("PATCH", f"/v1/keys/{key}", {"name": "Too late"}).status_code == 409
    assert table_snapshot(services) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://hooks.acme.example/x", "events": ["key.*"]}, "url"),
        ({"url": "https://user:pw@hooks.acme.example/x", "events": ["key.*"]}, "url"),
        ({"url": "https://hooks.acme.example/x", "events": []}, "events"),
        ({"url": "https://hooks.acme.example/x", "events": ["key.exploded"]}, "events"),
        ({"url": "https://hooks.acme.example/x"}, "events"),
        # An unknown field is refused without being repeated.
        ({"url": "https://hooks.acme.example/x", "events": ["key.*"], "secret": "x"}, "body"),
    ],
)
def test_invalid_webhooks_are_refused_with_422_and_change_nothing(
    api: Api, services: Services, body: dict[str, Any], field: str
) -> None:
    before = table_snapshot(services)
    response = api.call("POST", "/v1/webhooks", body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert field in response.body.decode()
    assert table_snapshot(services) == before


def test_an_internal_address_is_refused_at_registration_and_changes_nothing(
    api: Api, services: Services
) -> None:
    # The resolver is the wiring's: swap in one whose answer points inside.
    object.__setattr__(services.wiring, "webhook_resolver", lambda h, p: ["169.254.169.254"])
    services.__dict__.pop("webhooks", None)
    before = table_snapshot(services)
    response = api.call("POST", "/v1/webhooks", HOOK)
    assert response.status_code == 422
    problem = json_of(response)
    assert problem["errors"][0]["field"] == "url"
    assert "internal" in problem["errors"][0]["message"]
    assert table_snapshot(services) == before


def test_the_endpoint_limit_answers_409_with_its_own_code(api: Api, services: Services) -> None:
    for _ in range(services.settings.webhooks.endpoint_limit):
        register(api)
    before = table_snapshot(services)
    response = api.call("POST", "/v1/webhooks", HOOK)
    assert response.status_code == 409
    assert json_of(response)["code"] == "webhook_limit_reached"
    assert table_snapshot(services) == before
    # Deleting one frees its slot.
    first = json_of(api.call("GET", "/v1/webhooks"))["webhooks"][0]["id"]
    assert api.call("DELETE", f"/v1/webhooks/{first}").status_code == 204
    assert api.call("GET", f"/v1/webhooks/{first}").status_code == 404
    register(api)


def test_an_endpoint_is_edited_paused_and_enabled_again(api: Api) -> None:
    hook = register(api)["webhook"]["id"]
    edited = json_of(
        api.call(
            "PATCH",
            f"/v1/webhooks/{hook}",
            {"events": ["group.*"], "description": "Groups only", "enabled": False},
        )
    )
    assert (edited["events"], edited["description"], edited["status"]) == (
        ["group.*"],
        "Groups only",
        "disabled",
    )
    enabled = json_of(api.call("PATCH", f"/v1/webhooks/{hook}", {"enabled": True}))
    assert enabled["status"] == "enabled"
    assert enabled["disabled_at"] is None
    trail = json_of(api.call("GET", "/v1/audit-events?action=webhook.updated"))["events"]
    moves = [event["changes"]["status"] for event in trail]
    assert {"before": "enabled", "after": "disabled"} in moves
    assert {"before": "disabled", "after": "enabled"} in moves


def test_rotating_the_secret_keeps_the_old_one_for_the_grace_period(api: Api) -> None:
    hook = register(api)["webhook"]["id"]
    rotated = json_of(
        api.call("POST", f"/v1/webhooks/{hook}/rotate-secret", {"grace_period_seconds": 600})
    )
    assert rotated["secret"].startswith("whsec_")
    assert rotated["webhook"]["previous_secret_valid_until"] is not None
    too_long = api.call(
        "POST", f"/v1/webhooks/{hook}/rotate-secret", {"grace_period_seconds": 86401}
    )
    assert too_long.status_code == 422


def test_a_key_change_is_delivered_signed_and_its_attempts_are_listed_without_a_body(
    api: Api, acme: Tenant, services: Services
) -> None:
    drain_outbox()
    created = register(api)
    transport = ScriptedTransport([(503, None), (200, None)])
    delivery, queue = delivery_for(services, transport)
    key = create_key(api, acme.group_id, name="ERP")["key"]["id"]
    assert relay_outbox(delivery) == 1
    assert list(webhook_outbox.pending()) == []
    ref = queue.sent[0][0]
    assert delivery.deliverer.process(ref) == "pending"
    _, headers, body = transport.requests[0]
    payload = Webhook(created["secret"]).verify(body, headers)
    assert payload["type"] == "key.created"
    assert payload["data"]["target"]["id"] == key

    listed = api.call("GET", f"/v1/webhooks/{created['webhook']['id']}/deliveries")
    (shown,) = json_of(listed)["deliveries"]
    assert shown["id"] == headers["webhook-id"]
    assert shown["state"] == "pending"
    assert shown["next_attempt_at"] is not None
    assert [a["status_code"] for a in shown["attempts"]] == [503]
    assert '"data"' not in listed.body.decode()
    assert key not in listed.body.decode()


def test_the_lambda_entry_points_relay_a_stream_record_and_deliver_a_queue_message(
    api: Api, acme: Tenant, services: Services, moto: Any
) -> None:
    drain_outbox()
    register(api)
    transport = ScriptedTransport([(204, None)])
    delivery, queue = delivery_for(services, transport)
    api.call("POST", "/v1/groups", {"name": "Readers"})
    import boto3

    client = boto3.client("dynamodb", region_name=services.settings.region)
    items = client.scan(TableName=services.settings.webhooks.outbox_table)["Items"]
    stream = {"Records": [{"eventName": "INSERT", "dynamodb": {"NewImage": i}} for i in items]}
    stream["Records"].append({"eventName": "REMOVE", "dynamodb": {}})
    assert relay_records(delivery.relay, stream) == 1
    sqs = {"Records": [{"messageId": "m1", "body": queue.sent[0][0].to_json()}]}
    assert deliver_records(delivery.deliverer, sqs) == {"batchItemFailures": []}
    assert json.loads(transport.requests[0][2])["type"] == "group.created"
    broken = {"Records": [{"messageId": "m2", "body": "not json"}]}
    assert deliver_records(delivery.deliverer, broken) == {
        "batchItemFailures": [{"itemIdentifier": "m2"}]
    }


def test_every_webhook_route_is_in_the_openapi_document(api: Api) -> None:
    paths = json_of(api.call("GET", "/openapi.json"))["paths"]
    assert set(paths["/v1/webhooks"]) >= {"get", "post"}
    assert set(paths["/v1/webhooks/{webhook_id}"]) >= {"get", "patch", "delete"}
    assert "post" in paths["/v1/webhooks/{webhook_id}/rotate-secret"]
    assert "get" in paths["/v1/webhooks/{webhook_id}/deliveries"]
    assert "409" in paths["/v1/webhooks"]["post"]["responses"]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"url": "ftp://hooks.acme.example/x"}),
        ("PATCH", "", {"events": []}),
        ("PATCH", "", {"enabled": "yes please"}),
        ("POST", "/rotate-secret", {"grace_period_seconds": -1}),
        ("POST", "/rotate-secret", {"grace_period_seconds": 86401}),
    ],
)
def test_invalid_edits_and_rotations_are_refused_and_change_nothing(
    api: Api, services: Services, method: str, suffix: str, body: dict[str, Any]
) -> None:
    hook = register(api)["webhook"]["id"]
    before = table_snapshot(services)
    response = api.call(method, f"/v1/webhooks/{hook}{suffix}", body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert table_snapshot(services) == before


def test_a_read_only_key_lists_webhooks_but_cannot_register_one(
    api: Api, acme: Tenant, services: Services
) -> None:
    readers = json_of(
        api.call("POST", "/v1/groups", {"name": "Readers", "permissions": ["keys:read"]})
    )["id"]
    reader = api.as_key(create_key(api, readers)["secret"])
    assert reader.call("GET", "/v1/webhooks").status_code == 200
    before = table_snapshot(services)
    assert reader.call("POST", "/v1/webhooks", HOOK).status_code == 403
    assert table_snapshot(services) == before


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        # Found by schemathesis: a null the document does not offer, and a boolean number.
        ("", {"url": None}),
        ("", {"events": None}),
        ("", {"enabled": None}),
        ("", {"enabled": 1}),
        ("/rotate-secret", {"grace_period_seconds": False}),
        ("/rotate-secret", {"grace_period_seconds": "60"}),
    ],
)
def test_nulls_and_wrong_types_the_document_does_not_allow_are_refused(
    api: Api, services: Services, suffix: str, body: dict[str, Any]
) -> None:
    hook = register(api)["webhook"]["id"]
    before = table_snapshot(services)
    method = "POST" if suffix else "PATCH"
    assert api.call(method, f"/v1/webhooks/{hook}{suffix}", body).status_code == 422
    assert table_snapshot(services) == before
