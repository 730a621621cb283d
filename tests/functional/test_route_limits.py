"""What a group may hold, how many a tenant may have, and paths that match nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.cli.main import parser, run
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.routes import MAX_PATTERN_LENGTH, MAX_STARS
from chalicelib.domain.tenants import OPERATOR
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant


def create_group(api: Api, **fields: Any) -> Any:
    return api.call("POST", "/v1/groups", {"name": "Readers", **fields})


def refused_fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.body
    body = json_of(response)
    assert body["code"] == "validation_failed"
    return [error["field"] for error in body["errors"]]


@pytest.mark.parametrize(
    ("routes", "field"),
    [
        (["GET /" + "a" * (MAX_PATTERN_LENGTH - 4)], "routes.0"),
        (["GET /" + "*a" * (MAX_STARS + 1)], "routes"),
        ([f"GET /r{n}" for n in range(51)], "routes"),
    ],
    ids=["pattern too long", "too many stars", "too many routes"],
)
def test_a_group_over_a_route_limit_is_a_422_naming_the_field_and_changes_nothing(
    api: Api, services: Services, routes: list[str], field: str
) -> None:
    before = table_snapshot(services)
    response = create_group(api, routes=routes)
    assert field in refused_fields(response)
    assert table_snapshot(services) == before


def test_a_group_with_too_many_permissions_is_a_422(api: Api, acme: Tenant) -> None:
    response = create_group(api, permissions=[f"p:{n}" for n in range(51)])
    assert refused_fields(response) == ["permissions"]
    patched = api.call("PATCH", f"/v1/groups/{acme.group_id}", {"routes": ["GET /" + "*a" * 9]})
    assert refused_fields(patched) == ["routes"]


def test_the_limits_themselves_are_accepted(api: Api) -> None:
    longest = "GET /" + "*a" * MAX_STARS + "b" * (MAX_PATTERN_LENGTH - 5 - 2 * MAX_STARS)
    response = create_group(
        api, routes=[longest, *[f"GET /r{n}" for n in range(49)]], permissions=["p"] * 50
    )
    assert response.status_code == 201, response.body


def test_a_tenant_may_hold_its_group_limit_and_not_one_more(
    api: Api, services: Services, acme: Tenant
) -> None:
    services.tenants.set_group_limit("acme", 3)  # bootstrap made one: room for two
    assert create_group(api, name="Second").status_code == 201
    assert create_group(api, name="Third").status_code == 201
    before = table_snapshot(services)
    refused = create_group(api, name="Fourth")
    # A limit reached is a conflict with the tenant's state, as for keys: not a bad field.
    assert refused.status_code == 409
    body = json_of(refused)
    assert (body["code"], body["used"], body["limit"]) == ("group_limit_reached", 3, 3)
    assert "errors" not in body
    assert table_snapshot(services) == before, "a refused create writes nothing"
    assert services.tenants.get("acme").groups_used == 3


def test_deleting_a_group_frees_its_place(api: Api, services: Services, acme: Tenant) -> None:
    services.tenants.set_group_limit("acme", 2)
    spare = json_of(create_group(api, name="Spare"))["id"]
    assert create_group(api, name="Over").status_code == 409
    assert api.call("DELETE", f"/v1/groups/{spare}").status_code == 204
    assert services.tenants.get("acme").groups_used == 1
    assert create_group(api, name="Again").status_code == 201


def test_the_default_group_limit_applies_until_an_operator_sets_one(
    services: Services, acme: Tenant
) -> None:
    tenant = services.tenants.get("acme")
    assert (tenant.group_limit, tenant.groups_used) == (None, 1)
    assert services.settings.limits.groups_per_tenant == 50


def test_a_tenant_from_before_the_limit_starts_counting_and_can_still_delete(
    api: Api, services: Services, acme: Tenant
) -> None:
    from chalicelib.storage.models import TenantModel

    # As tenants made before group limits are stored: no count, no limit.
    TenantModel("acme").update(
        actions=[TenantModel.groups_used.remove(), TenantModel.group_limit.remove()]
    )
    spare = json_of(create_group(api, name="Spare"))["id"]
    assert services.tenants.get("acme").groups_used == 1  # counting starts here
    assert api.call("DELETE", f"/v1/groups/{spare}").status_code == 204
    assert api.call("DELETE", f"/v1/groups/{acme.group_id}").status_code == 409  # in use
    assert services.tenants.get("acme").groups_used == 0
    lone = json_of(create_group(api, name="Lone"))["id"]
    TenantModel("acme").update(actions=[TenantModel.groups_used.remove()])
    assert api.call("DELETE", f"/v1/groups/{lone}").status_code == 204


def cli(services: Services, *argv: str) -> int:
    """The operator CLI, asked for JSON (a person gets a table by default)."""
    return run(parser().parse_args(["--json", *argv]), services.settings)


def test_the_operator_sets_a_tenants_group_limit_from_the_cli(
    api: Api, services: Services, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(services, "tenants", "set-group-limit", "acme", "7") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["group_limit"], shown["groups_used"]) == (7, 1)
    assert services.tenants.get("acme").group_limit == 7
    cli(services, "tenants", "show", "acme")
    assert json.loads(capsys.readouterr().out)["group_limit"] == 7
    with pytest.raises(InvalidInput, match="group limit must be 0 to 1000"):
        cli(services, "tenants", "set-group-limit", "acme", "-1")
    events = json_of(api.call("GET", "/v1/audit-events?action=tenant.limit_changed"))["events"]
    assert [event["changes"] for event in events] == [{"group_limit": {"before": None, "after": 7}}]
    assert events[0]["actor"]["id"] == OPERATOR.id


def test_a_tenant_is_created_with_its_own_group_limit(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(services, "tenants", "create", "initech", "--group-limit", "4") == 0
    assert json.loads(capsys.readouterr().out)["group_limit"] == 4
    assert services.tenants.get("initech").group_limit == 4


# --- dot-segments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/orders/../admin", "/orders/./7", "/orders/..", "/orders/%2e%2e/admin", "/orders/%252e%252e"],
)
def test_verify_answers_path_not_canonical_for_a_dot_segment(
    api: Api, acme: Tenant, path: str
) -> None:
    group = json_of(create_group(api, routes=["GET /orders/*"]))["id"]
    secret = create_key(api, group)["secret"]
    response = api.as_key(None).call("POST", "/v1/verify", {"key": secret, "route": f"GET {path}"})
    result = json_of(response)
    assert (result["valid"], result["code"]) == (False, "PATH_NOT_CANONICAL")
    allowed = {"key": secret, "route": "GET /orders/7"}
    assert json_of(api.as_key(None).call("POST", "/v1/verify", allowed))["valid"] is True
