"""POST /v1/leaks, the tenant's leak policy, and leaks in key answers and lists."""

from __future__ import annotations

import json

import pytest

from chalicelib.cli.main import parser, run
from chalicelib.domain.key_format import KeyFormat
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.leaks.conftest import Scanner, notify_policy
from tests.support.api import Api, Tenant
from tests.support.outbox import Outbox
from tests.support.secrets import secret_part


def test_a_public_report_answers_the_same_whether_or_not_the_key_was_live(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services
) -> None:
    created = create_key(api, acme.group_id)
    live = created["secret"]
    forged, _ = KeyFormat("lk_test").mint(created["key"]["id"])

    answers = [scanner.public_report(token) for token in (live, forged, "hello", live)]

    assert {(answer.status_code, answer.body) for answer in answers} == {(202, answers[0].body)}
    assert json_of(answers[0])["received"] is True
    key = leak_services.keys.get("acme", created["key"]["id"])
    assert key.status.value == "revoked"
    assert key.leak is not None
    assert key.leak.source == "report"


def test_a_public_report_of_a_dead_or_fake_token_changes_nothing(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, outbox: Outbox
) -> None:
    created = create_key(api, acme.group_id)
    forged, _ = KeyFormat("lk_test").mint(created["key"]["id"])
    before = table_snapshot(leak_services)

    for token in (forged, KeyFormat("lk_test").mint()[0], "lk_test_short"):
        assert scanner.public_report(token).status_code == 202

    assert table_snapshot(leak_services) == before
    assert outbox.events() == []


def test_a_token_inside_the_reported_url_is_never_stored(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services, outbox: Outbox
) -> None:
    notify_policy(api)
    created = create_key(api, acme.group_id)
    token = created["secret"]

    scanner.public_report(token, url=f"https://paste.test/raw/9?key={token}")

    key = json_of(api.call("GET", f"/v1/keys/{created['key']['id']}"))
    assert key["leak"]["url"] == "https://paste.test"
    assert outbox.events()[0]["detail"]["url"] == "https://paste.test"
    assert secret_part(token) not in json.dumps(table_snapshot(leak_services))


@pytest.mark.parametrize(
    "body",
    [{}, {"token": ""}, {"token": "x" * 513}, {"token": "x", "url": "u" * 2049}, {"key": "x"}],
)
def test_a_malformed_public_report_is_a_422_that_changes_nothing(
    scanner: Scanner, leak_services: Services, body: dict[str, object]
) -> None:
    before = table_snapshot(leak_services)

    response = scanner.client.http.request(
        "POST",
        "/v1/leaks",
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )

    assert (response.status_code, json_of(response)["code"]) == (422, "validation_failed")
    assert table_snapshot(leak_services) == before


def test_the_leak_policy_is_revoke_by_default_and_changed_through_the_api(
    api: Api, acme: Tenant, leak_services: Services
) -> None:
    assert json_of(api.call("GET", "/v1/tenant/settings")) == {"leak_policy": "revoke"}

    response = api.call("PATCH", "/v1/tenant/settings", {"leak_policy": "notify"})

    assert (response.status_code, json_of(response)) == (200, {"leak_policy": "notify"})
    assert json_of(api.call("GET", "/v1/tenant/settings")) == {"leak_policy": "notify"}
    events = json_of(api.call("GET", "/v1/audit-events?action=tenant.leak_policy_changed"))
    (event,) = events["events"]
    assert event["changes"] == {"leak_policy": {"before": "revoke", "after": "notify"}}
    # Setting what is set writes nothing.
    api.call("PATCH", "/v1/tenant/settings", {"leak_policy": "notify"})
    again = json_of(api.call("GET", "/v1/audit-events?action=tenant.leak_policy_changed"))
    assert len(again["events"]) == 1


@pytest.mark.parametrize("body", [{"leak_policy": "delete"}, {}, {"leak_policy": None}])
def test_an_invalid_leak_policy_is_a_422_that_changes_nothing(
    api: Api, acme: Tenant, leak_services: Services, body: dict[str, object]
) -> None:
    before = table_snapshot(leak_services)

    response = api.call("PATCH", "/v1/tenant/settings", body)

    assert (response.status_code, json_of(response)["code"]) == (422, "validation_failed")
    assert table_snapshot(leak_services) == before


def test_a_read_only_key_reads_the_policy_but_cannot_change_it(
    api: Api, acme: Tenant, leak_services: Services
) -> None:
    readers = {"name": "Readers", "permissions": ["keys:read"]}
    group = json_of(api.call("POST", "/v1/groups", readers))
    reader = api.as_key(create_key(api, group["id"])["secret"])

    assert reader.call("GET", "/v1/tenant/settings").status_code == 200
    assert reader.call("PATCH", "/v1/tenant/settings", {"leak_policy": "notify"}).status_code == 403
    assert api.as_key(None).call("GET", "/v1/tenant/settings").status_code == 401


def test_each_tenant_has_its_own_policy(
    api: Api, acme: Tenant, globex: Tenant, leak_services: Services
) -> None:
    notify_policy(api)

    assert json_of(api.as_key(globex.token).call("GET", "/v1/tenant/settings")) == {
        "leak_policy": "revoke"
    }


def test_operators_set_the_policy_with_the_cli(
    acme: Tenant, leak_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    # --json: the CLI prints a table for a person by default.
    args = parser().parse_args(["tenants", "set-leak-policy", "acme", "notify", "--json"])

    assert run(args, leak_services.settings) == 0

    assert json.loads(capsys.readouterr().out)["leak_policy"] == "notify"
    assert leak_services.tenants.get("acme").leak_policy.value == "notify"
    with pytest.raises(SystemExit):
        parser().parse_args(["tenants", "set-leak-policy", "acme", "ignore"])


def test_the_key_list_filters_on_leaks(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services
) -> None:
    notify_policy(api)
    leaked = create_key(api, acme.group_id, name="Leaked")
    clean = create_key(api, acme.group_id, name="Clean")
    scanner.labels(leaked["secret"])

    def ids(query: str) -> set[str]:
        return {key["id"] for key in json_of(api.call("GET", f"/v1/keys?{query}"))["keys"]}

    assert ids("leaked=true") == {leaked["key"]["id"]}
    assert clean["key"]["id"] in ids("leaked=false")
    assert leaked["key"]["id"] not in ids("leaked=false")
    assert {leaked["key"]["id"], clean["key"]["id"]} <= ids("")
    assert ids("leaked=true&status=active") == {leaked["key"]["id"]}


def test_each_leak_handled_is_counted_by_the_action_taken(
    scanner: Scanner, api: Api, acme: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    created = create_key(api, acme.group_id)
    capsys.readouterr()

    scanner.public_report(created["secret"])
    scanner.public_report(created["secret"])  # the same leak again: handled once

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    counted = [line for line in lines if "LeakedKeysHandled" in line and "_aws" in line]
    assert [line["Outcome"] for line in counted] == ["revoked"]
    assert created["key"]["id"] not in json.dumps(counted)
