"""Another tenant's keys and groups answer exactly like ids that do not exist."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.api.operations import OPERATIONS
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant

# Every route that names a resource, with a body that would be valid for it.
MATRIX: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/v1/keys/{key_id}"): None,
    ("PATCH", "/v1/keys/{key_id}"): {"name": "Taken over"},
    ("POST", "/v1/keys/{key_id}/rotate"): {"grace_period_seconds": 60},
    ("POST", "/v1/keys/{key_id}/revoke"): None,
    ("GET", "/v1/keys/{key_id}/usage"): None,
    ("GET", "/v1/groups/{group_id}"): None,
    ("PATCH", "/v1/groups/{group_id}"): {"name": "Taken over"},
    ("DELETE", "/v1/groups/{group_id}"): None,
    ("GET", "/v1/webhooks/{webhook_id}"): None,
    ("PATCH", "/v1/webhooks/{webhook_id}"): {"description": "Taken over"},
    ("DELETE", "/v1/webhooks/{webhook_id}"): None,
    ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"): None,
    ("GET", "/v1/webhooks/{webhook_id}/deliveries"): None,
}


def test_matrix_covers_every_route_with_an_id() -> None:
    # The platform API's ids name tenants and owners across tenants: its own tests cover it.
    with_ids = {(op.method, op.path) for op in OPERATIONS if "{" in op.path and not op.platform}
    assert with_ids == set(MATRIX)


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_foreign_id_answers_like_an_unknown_id(
    api: Api, acme: Tenant, globex: Tenant, services: Services, method: str, path: str
) -> None:
    theirs = Api(api.client, globex.token)
    foreign_group = json_of(theirs.call("POST", "/v1/groups", {"name": "Theirs"}))["id"]
    foreign_key = create_key(theirs, foreign_group)["key"]["id"]
    hook = {"url": "https://hooks.globex.example/in", "events": ["key.*"]}
    foreign_hook = json_of(theirs.call("POST", "/v1/webhooks", hook))["webhook"]["id"]
    body = MATRIX[(method, path)]
    before = table_snapshot(services)

    def call(key_id: str, group_id: str, webhook_id: str) -> Any:
        ids = {"key_id": key_id, "group_id": group_id, "webhook_id": webhook_id}
        return api.call(method, path.format(**ids), body)

    foreign = call(foreign_key, foreign_group, foreign_hook)
    unknown = call("Zz" * 8, "grp_" + "Zz" * 8, "wh_" + "0" * 32)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.body == unknown.body
    assert table_snapshot(services) == before


def test_lists_hold_only_the_callers_tenant(api: Api, acme: Tenant, globex: Tenant) -> None:
    theirs = Api(api.client, globex.token)
    create_key(theirs, globex.group_id, name="Globex secret project")
    listed = api.call("GET", "/v1/keys").body.decode()
    groups = api.call("GET", "/v1/groups").body.decode()
    assert "Globex" not in listed
    assert globex.group_id not in groups
    assert json_of(api.call("GET", "/v1/keys"))["key_usage"]["used"] == 1


def test_cursor_from_another_tenant_is_refused(
    api: Api, acme: Tenant, globex: Tenant, services: Services
) -> None:
    theirs = Api(api.client, globex.token)
    for _ in range(3):
        create_key(theirs, globex.group_id, name="Globex key")
    their_cursor = json_of(theirs.call("GET", "/v1/keys?limit=1"))["next_cursor"]
    response = api.call("GET", f"/v1/keys?limit=1&cursor={their_cursor}")
    assert response.status_code == 422  # signed for globex's listing
    assert "Globex key" not in response.body.decode()
