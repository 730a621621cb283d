"""Counters that cannot drift, and `latchkey tenants check` for the ones that did.

Drift is made here by hand (as an older release's races made it): the check must find it,
repair it with conditional writes and an audit event, and the API must keep working with
the items such drift left behind (a groups item holding only ``key_count``).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from pynamodb.connection import Connection

from chalicelib.cli.main import parser, run
from chalicelib.domain import audit
from chalicelib.domain.counters import Difference
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.records import SYSTEM
from chalicelib.storage.counter_check import CounterCheckStore
from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


def dynamodb(services: Services) -> Any:
    return boto3.client("dynamodb", region_name=services.settings.region)


def set_counter(services: Services, tenant: str, group_id: str | None, value: int) -> None:
    """Drift a counter by hand: the tenant's keys_used, or a group's key_count."""
    settings = services.settings
    if group_id is None:
        table, key, name = (
            settings.dynamodb.tenants_table,
            {"tenant_id": {"S": tenant}},
            "keys_used",
        )
    else:
        table = settings.dynamodb.groups_table
        key = {"tenant_id": {"S": tenant}, "group_id": {"S": group_id}}
        name = "key_count"
    dynamodb(services).update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #c = :v",
        ExpressionAttributeNames={"#c": name},
        ExpressionAttributeValues={":v": {"N": str(value)}},
    )


def counter_of(services: Services, tenant: str, group_id: str | None) -> int:
    if group_id is None:
        return services.tenants.get(tenant).keys_used
    return services.groups.get(tenant, group_id).key_count


def check_cli(services: Services, *args: str) -> int:
    return run(parser().parse_args(["tenants", "check", *args]), services.settings)


def put_counter_only_group(services: Services, tenant: str, group_id: str) -> None:
    """What an older release's revoke upserted: a groups item holding only key_count."""
    dynamodb(services).put_item(
        TableName=services.settings.dynamodb.groups_table,
        Item={
            "tenant_id": {"S": tenant},
            "group_id": {"S": group_id},
            "key_count": {"N": "-1"},
        },
    )


def test_the_check_finds_counters_drifted_by_hand_and_repairs_them(
    api: Api,
    acme: Tenant,
    services: Services,
    capsys: pytest.CaptureFixture[str],
    reliability: Counters,
) -> None:
    create_key(api, acme.group_id)
    set_counter(services, "acme", None, 7)
    set_counter(services, "acme", acme.group_id, -1)

    assert check_cli(services, "acme") == 2
    reliability.counter_checks += 1
    out = capsys.readouterr().out
    assert "keys_used" in out
    assert f"{acme.group_id} key_count" in out
    assert "1 tenant(s) checked, 1 with differences." in out
    assert counter_of(services, "acme", None) == 7  # a check alone changes nothing

    assert check_cli(services, "acme", "--repair", "--json") == 0
    reliability.counter_checks += 1
    printed = json.loads(capsys.readouterr().out)
    (report,) = printed["tenants"]
    assert report["repaired"] is True
    assert {(d["counter"], d["stored"], d["from_keys"]) for d in report["differences"]} == {
        ("keys_used", 7, 2),
        (f"{acme.group_id} key_count", -1, 2),
    }
    assert counter_of(services, "acme", None) == 2
    assert counter_of(services, "acme", acme.group_id) == 2
    (event,) = json_of(api.call("GET", "/v1/audit-events?action=tenant.counters_repaired"))[
        "events"
    ]
    assert event["changes"]["keys_used"] == {"before": 7, "after": 2}

    assert check_cli(services, "acme") == 0
    reliability.counter_checks += 1
    assert "0 with differences" in capsys.readouterr().out


def test_check_all_reports_every_tenant_and_only_the_drifted_one_differs(
    acme: Tenant, globex: Tenant, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    set_counter(services, "globex", globex.group_id, 3)
    assert check_cli(services, "--all", "--json") == 2
    printed = json.loads(capsys.readouterr().out)
    assert (printed["checked"], printed["with_differences"]) == (2, 1)
    drifted = [t["tenant_id"] for t in printed["tenants"] if t["differences"]]
    assert drifted == ["globex"]


def test_check_needs_a_tenant_or_all_and_an_unknown_tenant_is_not_found(
    services: Services,
) -> None:
    with pytest.raises(SystemExit, match="NAME or --all"):
        check_cli(services)
    with pytest.raises(NotFound):
        check_cli(services, "nobody")


def test_a_repair_writes_nothing_if_the_counter_moved_since_it_was_read(
    acme: Tenant, services: Services, clock: FakeClock
) -> None:
    store = CounterCheckStore(Connection(region=services.settings.region))
    stale = Difference(None, stored=5, counted=1)  # keys_used is 1, not 5
    changes = {stale.counter: (5, 1)}
    event = audit.event(
        "acme", "tenant.counters_repaired", ("tenant", "acme"), SYSTEM, clock(), changes
    )
    before = table_snapshot(services)
    with pytest.raises(Conflict):
        store.repair("acme", [stale], [], event)
    assert table_snapshot(services) == before


def test_revoking_a_key_whose_group_was_deleted_through_drift_creates_no_item(
    api: Api, acme: Tenant, services: Services
) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Doomed"}))["id"]
    key_id = create_key(api, group)["key"]["id"]
    set_counter(services, "acme", group, 0)  # drift: the count lost its key
    assert api.call("DELETE", f"/v1/groups/{group}").status_code == 204

    response = api.call("POST", f"/v1/keys/{key_id}/revoke")

    assert response.status_code == 200, response.body
    assert json_of(response)["status"] == "revoked"
    groups = dynamodb(services).scan(TableName=services.settings.dynamodb.groups_table)["Items"]
    assert group not in {item["group_id"]["S"] for item in groups}
    assert counter_of(services, "acme", None) == 1  # the admin key


def test_moving_a_key_out_of_a_group_deleted_through_drift_creates_no_item(
    api: Api, acme: Tenant, services: Services
) -> None:
    group = json_of(api.call("POST", "/v1/groups", {"name": "Doomed"}))["id"]
    key_id = create_key(api, group)["key"]["id"]
    set_counter(services, "acme", group, 0)
    assert api.call("DELETE", f"/v1/groups/{group}").status_code == 204

    response = api.call("PATCH", f"/v1/keys/{key_id}", {"group_id": acme.group_id})

    assert response.status_code == 200, response.body
    groups = dynamodb(services).scan(TableName=services.settings.dynamodb.groups_table)["Items"]
    assert group not in {item["group_id"]["S"] for item in groups}
    assert counter_of(services, "acme", acme.group_id) == 2


def test_a_key_cannot_be_created_in_or_moved_to_an_item_that_holds_only_a_count(
    api: Api, acme: Tenant, services: Services
) -> None:
    put_counter_only_group(services, "acme", "grp_counteronly00001")
    key_id = create_key(api, acme.group_id)["key"]["id"]
    before = table_snapshot(services)
    made = api.call("POST", "/v1/keys", {"name": "Stray", "group_id": "grp_counteronly00001"})
    moved = api.call("PATCH", f"/v1/keys/{key_id}", {"group_id": "grp_counteronly00001"})
    assert (made.status_code, moved.status_code) == (422, 422)
    assert table_snapshot(services) == before


class TestAGroupsItemHoldingOnlyACount:
    """The tenant keeps working; the item is reported and repaired, never a 500."""

    @pytest.fixture(autouse=True)
    def stray(self, acme: Tenant, services: Services) -> str:
        put_counter_only_group(services, "acme", "grp_counteronly00001")
        return "grp_counteronly00001"

    def test_list_and_read_keys_answer(self, api: Api, acme: Tenant) -> None:
        key_id = create_key(api, acme.group_id)["key"]["id"]
        listed = api.call("GET", "/v1/keys")
        assert listed.status_code == 200, listed.body
        read = api.call("GET", f"/v1/keys/{key_id}")
        assert read.status_code == 200, read.body
        assert api.call("GET", "/v1/groups").status_code == 200

    def test_create_answers_the_secret_and_it_works(self, api: Api, acme: Tenant) -> None:
        made = create_key(api, acme.group_id)
        assert api.as_key(made["secret"]).call("GET", "/v1/keys").status_code == 200

    def test_rotating_the_admin_key_answers_the_new_secret(self, api: Api, acme: Tenant) -> None:
        me = json_of(api.call("GET", "/v1/keys"))["keys"][-1]["id"]
        rotated = api.call("POST", f"/v1/keys/{me}/rotate", {})
        assert rotated.status_code == 200, rotated.body
        assert api.as_key(json_of(rotated)["secret"]).call("GET", "/v1/keys").status_code == 200

    def test_reading_that_item_as_a_group_is_a_503_with_retry_after(self, api: Api) -> None:
        response = api.call("GET", "/v1/groups/grp_counteronly00001")
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert json_of(response)["code"] == "service_unavailable"

    def test_bootstrap_still_mints_an_admin_key(self, services: Services) -> None:
        made = services.tenants.bootstrap("acme")
        assert made.issued.token

    def test_the_check_reports_it_and_the_repair_deletes_it(
        self, services: Services, capsys: pytest.CaptureFixture[str], reliability: Counters
    ) -> None:
        assert check_cli(services, "acme") == 2
        assert "grp_counteronly00001 (not a group)" in capsys.readouterr().out
        assert check_cli(services, "acme", "--repair") == 0
        reliability.counter_checks += 2
        items = dynamodb(services).scan(TableName=services.settings.dynamodb.groups_table)["Items"]
        assert "grp_counteronly00001" not in {item["group_id"]["S"] for item in items}


def test_an_unreadable_key_item_is_left_out_of_the_list_and_a_503_alone(
    api: Api, acme: Tenant, services: Services
) -> None:
    key_id = create_key(api, acme.group_id)["key"]["id"]
    dynamodb(services).update_item(
        TableName=services.settings.dynamodb.keys_table,
        Key={"key_id": {"S": key_id}},
        UpdateExpression="REMOVE created_by",
    )
    listed = api.call("GET", "/v1/keys")
    assert listed.status_code == 200, listed.body
    assert key_id not in {key["id"] for key in json_of(listed)["keys"]}
    read = api.call("GET", f"/v1/keys/{key_id}")
    assert read.status_code == 503
    assert read.headers["Retry-After"]


def test_the_check_repairs_the_tenants_group_count_too(
    acme: Tenant, services: Services, capsys: pytest.CaptureFixture[str], reliability: Counters
) -> None:
    dynamodb(services).update_item(
        TableName=services.settings.dynamodb.tenants_table,
        Key={"tenant_id": {"S": "acme"}},
        UpdateExpression="SET groups_used = :v",
        ExpressionAttributeValues={":v": {"N": "4"}},
    )
    assert check_cli(services, "acme", "--repair") == 0
    reliability.counter_checks += 1
    assert "groups_used" in capsys.readouterr().out
    assert services.tenants.get("acme").groups_used == 1  # the admin group
