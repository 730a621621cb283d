"""The management API end to end on DynamoDB Local: lifecycle and the cross-tenant matrix."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.config.settings import Settings
from chalicelib.wiring.services import Services, build_services, set_services
from tests.functional.conftest import create_key, json_of
from tests.functional.test_tenant_isolation import MATRIX
from tests.support.api import Api
from tests.support.webhooks import PUBLIC


@pytest.fixture
def services(local_settings: Settings) -> Iterator[Services]:
    # Webhook hosts resolve to a public address without DNS (tests/support/webhooks.py).
    built = build_services(local_settings, webhook_resolver=PUBLIC)
    set_services(built)
    yield built
    set_services(None)


def bootstrap(services: Services, client: Client) -> tuple[Api, str]:
    made = services.tenants.bootstrap(f"t-{uuid.uuid4().hex[:10]}")
    return Api(client, made.issued.token), made.group_id


def test_key_lifecycle(services: Services) -> None:
    with Client(app) as client:
        api, group_id = bootstrap(services, client)
        created = create_key(api, group_id, ip_allowlist="127.0.0.1")
        key_id, secret = created["key"]["id"], created["secret"]
        assert api.as_key(secret).call("GET", "/v1/keys").status_code == 200
        rotated = json_of(api.call("POST", f"/v1/keys/{key_id}/rotate"))
        assert api.as_key(secret).call("GET", "/v1/keys").status_code == 401
        assert api.as_key(rotated["secret"]).call("GET", "/v1/keys").status_code == 200
        revoked = json_of(api.call("POST", f"/v1/keys/{key_id}/revoke"))
        assert revoked["status"] == "revoked"
        assert api.as_key(rotated["secret"]).call("GET", "/v1/keys").status_code == 401
        listed = json_of(api.call("GET", "/v1/keys?status=revoked"))
        assert [key["id"] for key in listed["keys"]] == [key_id]
        assert listed["key_usage"]["used"] == 1


def snapshot(services: Services) -> str:
    import boto3

    settings = services.settings
    client = boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb.endpoint
    )
    tables = (
        settings.dynamodb.keys_table,
        settings.dynamodb.groups_table,
        settings.dynamodb.tenants_table,
    )
    items = {name: client.scan(TableName=name, ConsistentRead=True)["Items"] for name in tables}
    return json.dumps({k: sorted(map(json.dumps, v)) for k, v in items.items()}, sort_keys=True)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_foreign_ids_answer_like_unknown_ids(services: Services, method: str, path: str) -> None:
    with Client(app) as client:
        ours, _ = bootstrap(services, client)
        theirs, their_group = bootstrap(services, client)
        their_key = create_key(theirs, their_group)["key"]["id"]
        hook = {"url": "https://hooks.globex.example/in", "events": ["key.*"]}
        their_hook = json_of(theirs.call("POST", "/v1/webhooks", hook))["webhook"]["id"]
        body: Any = MATRIX[(method, path)]
        before = snapshot(services)
        foreign_ids = {"key_id": their_key, "group_id": their_group, "webhook_id": their_hook}
        unknown_ids = {"key_id": "Zz" * 8, "group_id": "grp_none", "webhook_id": "wh_" + "0" * 32}
        foreign = ours.call(method, path.format(**foreign_ids), body)
        unknown = ours.call(method, path.format(**unknown_ids), body)
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.body == unknown.body
        assert snapshot(services) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/keys/" + "A" * 3000),
        ("PATCH", "/v1/keys/" + "A" * 3000),
        ("POST", "/v1/keys/" + "A" * 3000 + "/revoke"),
        ("GET", "/v1/groups/grp_" + "A" * 3000),
        ("DELETE", "/v1/groups/grp_" + "A" * 3000),
    ],
)
def test_an_overlong_id_is_a_404_not_an_outage(services: Services, method: str, path: str) -> None:
    # DynamoDB refuses a key over 2,048 bytes (ValidationException): that reached clients
    # as a 503 with Retry-After, our outage by the 5xx alarm's count.
    with Client(app) as client:
        api, _ = bootstrap(services, client)
        body = {"name": "Renamed"} if method == "PATCH" else None
        response = api.call(method, path, body)
        assert response.status_code == 404, response.body
        assert json_of(response)["code"] == "not_found"
