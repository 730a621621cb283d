"""The platform API under /v1/platform: tenants (create, list, read, change), admin keys,
the platform trail. Platform credentials only; bad input is a problem and changes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.domain.records import Origin
from chalicelib.domain.tenants import OPERATOR
from chalicelib.storage.models import TenantModel
from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.secrets import found_in, logged


@pytest.fixture
def platform_key(services: Services) -> str:
    return services.platform_keys.create("Signup backend", False, Origin(OPERATOR)).token


@pytest.fixture
def reader_key(services: Services) -> str:
    return services.platform_keys.create("Reports", True, Origin(OPERATOR)).token


@pytest.fixture
def platform(services: Services, platform_key: str) -> Iterator[Api]:
    with Client(app) as client:
        yield Api(client, platform_key)


def create_tenant(platform: Api, tenant_id: str, **fields: Any) -> dict[str, Any]:
    answer = platform.call(
        "POST", "/v1/platform/tenants", {"tenant_id": tenant_id, "key_limit": 5, **fields}
    )
    assert answer.status_code == 201, answer.body
    body: dict[str, Any] = json_of(answer)
    return body


# --- create ----------------------------------------------------------------------------------


def test_create_tenant_answers_201_with_the_tenant_object(platform: Api) -> None:
    made = create_tenant(
        platform, "acme", group_limit=7, leak_policy="notify", display_name="Acme Corp"
    )
    assert made == {
        "tenant_id": "acme",
        "display_name": "Acme Corp",
        "status": "active",
        "key_limit": 5,
        "keys_used": 0,
        "group_limit": 7,
        "groups_used": 0,
        "leak_policy": "notify",
        "created_at": made["created_at"],
        "suspended_at": None,
        "suspension_reason": None,
        "over_limit": [],
    }
    assert json_of(platform.call("GET", "/v1/platform/tenants/acme")) == made


def test_create_tenant_with_a_taken_id_is_409_and_changes_nothing(
    platform: Api, services: Services
) -> None:
    create_tenant(platform, "acme")
    before = table_snapshot(services)
    again = platform.call("POST", "/v1/platform/tenants", {"tenant_id": "acme", "key_limit": 9})
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"
    assert table_snapshot(services) == before


@pytest.mark.parametrize(
    "body",
    [
        {"tenant_id": "A", "key_limit": 5},
        {"tenant_id": "has space", "key_limit": 5},
        {"tenant_id": "x" * 64, "key_limit": 5},
        {"tenant_id": "#platform", "key_limit": 5},
        {"tenant_id": "acme", "key_limit": -1},
        {"tenant_id": "acme", "key_limit": 100_001},
        {"tenant_id": "acme", "key_limit": "5"},
        {"tenant_id": "acme", "key_limit": 5, "group_limit": 1001},
        {"tenant_id": "acme", "key_limit": 5, "leak_policy": "ignore"},
        {"tenant_id": "acme", "key_limit": 5, "display_name": "   "},
        {"tenant_id": "acme", "key_limit": 5, "lk_test_secret_field": 1},
        {"tenant_id": "acme"},
    ],
)
def test_bad_tenant_is_422_and_changes_nothing(
    platform: Api, services: Services, body: dict[str, Any], reliability: Counters
) -> None:
    before = table_snapshot(services)
    answer = platform.call("POST", "/v1/platform/tenants", body)
    reliability.hostile += 1
    assert answer.status_code == 422, answer.body
    assert json_of(answer)["code"] == "validation_failed"
    assert "lk_test_secret_field" not in answer.body.decode()
    assert table_snapshot(services) == before


def test_malformed_json_is_400_and_changes_nothing(platform: Api, services: Services) -> None:
    before = table_snapshot(services)
    answer = platform.call("POST", "/v1/platform/tenants", raw="{not json")
    assert answer.status_code == 400
    assert table_snapshot(services) == before


def test_read_only_platform_key_cannot_create(
    platform: Api, reader_key: str, services: Services
) -> None:
    before = table_snapshot(services)
    answer = platform.as_key(reader_key).call(
        "POST", "/v1/platform/tenants", {"tenant_id": "acme", "key_limit": 5}
    )
    assert answer.status_code == 403
    assert table_snapshot(services) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/platform/tenants"),
        ("GET", "/v1/platform/tenants"),
        ("GET", "/v1/platform/tenants/acme"),
        ("PATCH", "/v1/platform/tenants/acme"),
        ("POST", "/v1/platform/tenants/acme/admin-keys"),
        ("GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA"),
        ("GET", "/v1/platform/audit-events"),
    ],
)
def test_tenant_credentials_never_reach_a_platform_route(
    platform: Api, acme: Tenant, services: Services, method: str, path: str
) -> None:
    body = {"tenant_id": "globex", "key_limit": 5} if method == "POST" else {}
    before = table_snapshot(services)
    as_tenant = platform.as_key(acme.token).call(method, path, body)
    anonymous = platform.as_key(None).call(method, path, body)
    assert as_tenant.status_code == 403
    assert anonymous.status_code == 401
    assert table_snapshot(services) == before


# --- list ------------------------------------------------------------------------------------


def test_list_pages_tenants_by_id(platform: Api) -> None:
    for name in ("delta", "alpha", "echo", "charlie", "bravo"):
        create_tenant(platform, name)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = "/v1/platform/tenants?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = json_of(platform.call("GET", query))
        seen += [tenant["tenant_id"] for tenant in page["tenants"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert pages == 3


def test_list_filters_by_status_and_id_prefix(platform: Api) -> None:
    for name in ("acme", "acme-eu", "acorn", "globex"):
        create_tenant(platform, name)
    # The lifecycle's suspension writes the status; here it is written directly.
    TenantModel("acme-eu").update(actions=[TenantModel.status.set("suspended")])

    def ids(query: str) -> list[str]:
        answer = platform.call("GET", f"/v1/platform/tenants?{query}")
        assert answer.status_code == 200, answer.body
        return [tenant["tenant_id"] for tenant in json_of(answer)["tenants"]]

    assert ids("prefix=ac") == ["acme", "acme-eu", "acorn"]
    assert ids("prefix=acme") == ["acme", "acme-eu"]
    assert ids("status=active&prefix=acme") == ["acme"]
    assert ids("status=suspended") == ["acme-eu"]
    assert ids("status=deleting") == []


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "status=gone", "prefix=AC", "prefix=a%23b", "cursor=abc"]
)
def test_bad_list_query_is_422(platform: Api, query: str) -> None:
    answer = platform.call("GET", f"/v1/platform/tenants?{query}")
    assert answer.status_code == 422


def test_a_cursor_of_another_filter_is_refused(platform: Api) -> None:
    for name in ("alpha", "bravo", "charlie"):
        create_tenant(platform, name)
    cursor = json_of(platform.call("GET", "/v1/platform/tenants?limit=1"))["next_cursor"]
    answer = platform.call("GET", f"/v1/platform/tenants?limit=1&prefix=b&cursor={cursor}")
    assert answer.status_code == 422


def test_a_page_is_a_few_queries_and_one_batch_never_a_scan(
    platform: Api, services: Services
) -> None:
    for number in range(12):
        create_tenant(platform, f"tenant-{number:02d}")
    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    # The client PynamoDB sends the tenant model's calls through.
    events = TenantModel._get_connection().connection.client.meta.events
    events.register("before-call.dynamodb", record)
    try:
        page = json_of(platform.call("GET", "/v1/platform/tenants?limit=5"))
    finally:
        events.unregister("before-call.dynamodb", record)
    assert len(page["tenants"]) == 5
    assert "Scan" not in calls
    assert calls.count("Query") == 3  # one per status
    assert calls.count("BatchGetItem") == 1


# --- change ----------------------------------------------------------------------------------


def test_lowering_the_key_limit_below_use_revokes_nothing_and_refuses_new_keys(
    platform: Api, acme: Tenant, services: Services
) -> None:
    answer = platform.call("PATCH", "/v1/platform/tenants/acme", {"key_limit": 0})

    body = json_of(answer)
    assert answer.status_code == 200, answer.body
    assert (body["key_limit"], body["keys_used"]) == (0, 1)
    assert "no key was revoked" in body["over_limit"][0]
    as_acme = platform.as_key(acme.token)
    assert as_acme.call("GET", "/v1/keys").status_code == 200  # the admin key still works
    refused = as_acme.call("POST", "/v1/keys", {"name": "One more", "group_id": acme.group_id})
    assert refused.status_code == 409
    assert json_of(refused)["code"] == "key_limit_reached"


def test_patch_writes_one_event_in_the_tenants_trail_and_the_platform_trail(
    platform: Api, acme: Tenant
) -> None:
    changed = platform.call(
        "PATCH", "/v1/platform/tenants/acme", {"key_limit": 20, "group_limit": 3}
    )
    assert changed.status_code == 200
    tenant_trail = json_of(
        platform.as_key(acme.token).call("GET", "/v1/audit-events?action=tenant.limit_changed")
    )["events"]
    assert len(tenant_trail) == 1
    assert tenant_trail[0]["actor"]["type"] == "platform"
    assert tenant_trail[0]["changes"] == {
        "key_limit": {"before": 10, "after": 20},
        "group_limit": {"before": None, "after": 3},
    }
    platform_trail = json_of(
        platform.call("GET", "/v1/platform/audit-events?tenant_id=acme&action=tenant.limit_changed")
    )["events"]
    assert [event["id"] for event in platform_trail] == [tenant_trail[0]["id"]]
    assert platform_trail[0]["tenant_id"] == "acme"
    assert platform_trail[0]["request_id"]


def test_patch_that_changes_nothing_writes_nothing(
    platform: Api, acme: Tenant, services: Services
) -> None:
    before = table_snapshot(services)
    answer = platform.call("PATCH", "/v1/platform/tenants/acme", {"key_limit": 10})
    assert answer.status_code == 200
    assert table_snapshot(services) == before


@pytest.mark.parametrize(
    "body",
    [
        {"key_limit": -1},
        {"group_limit": 5000},
        {"leak_policy": "maybe"},
        {"display_name": ""},
        {"tenant_id": "globex"},
        {"keys_used": 0},
    ],
)
def test_bad_patch_is_422_and_changes_nothing(
    platform: Api, acme: Tenant, services: Services, body: dict[str, Any]
) -> None:
    before = table_snapshot(services)
    answer = platform.call("PATCH", "/v1/platform/tenants/acme", body)
    assert answer.status_code == 422, answer.body
    assert table_snapshot(services) == before


def test_patch_or_get_of_an_unknown_tenant_is_404(platform: Api, services: Services) -> None:
    before = table_snapshot(services)
    assert (
        platform.call("PATCH", "/v1/platform/tenants/nobody", {"key_limit": 3}).status_code == 404
    )
    assert platform.call("GET", "/v1/platform/tenants/nobody").status_code == 404
    assert table_snapshot(services) == before


# --- admin keys: the signup flow ---------------------------------------------------------------


def test_signup_flow_creates_a_tenant_and_mints_a_working_admin_key(
    platform: Api, services: Services
) -> None:
    create_tenant(platform, "initech", key_limit=3)

    minted = platform.call("POST", "/v1/platform/tenants/initech/admin-keys", {"name": "Owner"})

    body = json_of(minted)
    assert minted.status_code == 201, minted.body
    assert body["key"]["name"] == "Owner"
    assert body["key"]["created_by"]["type"] == "platform"
    assert body["key"]["group"]["name"] == "Administrators"
    as_admin = platform.as_key(body["secret"])
    me = json_of(as_admin.call("GET", "/v1/me"))
    assert (me["tenant_id"], me["permissions"]) == ("initech", ["keys:manage"])
    again = platform.call("POST", "/v1/platform/tenants/initech/admin-keys")
    assert again.status_code == 201
    assert json_of(again)["key"]["group"]["id"] == body["key"]["group"]["id"]
    assert json_of(platform.call("GET", "/v1/platform/tenants/initech"))["keys_used"] == 2


def test_admin_key_for_an_unknown_tenant_is_404_and_creates_nothing(
    platform: Api, services: Services
) -> None:
    before = table_snapshot(services)
    answer = platform.call("POST", "/v1/platform/tenants/nobody/admin-keys", {})
    assert answer.status_code == 404
    assert table_snapshot(services) == before


def test_admin_key_at_the_key_limit_is_409(platform: Api, services: Services) -> None:
    create_tenant(platform, "tiny", key_limit=1)
    assert platform.call("POST", "/v1/platform/tenants/tiny/admin-keys").status_code == 201
    before = table_snapshot(services)
    refused = platform.call("POST", "/v1/platform/tenants/tiny/admin-keys")
    assert refused.status_code == 409
    assert json_of(refused)["code"] == "key_limit_reached"
    assert table_snapshot(services) == before


# --- the platform trail -------------------------------------------------------------------


def test_platform_trail_holds_every_platform_action_with_actor_time_address_and_request_id(
    platform: Api, services: Services
) -> None:
    create_tenant(platform, "initech")
    platform.call("PATCH", "/v1/platform/tenants/initech", {"display_name": "Initech"})
    platform.call("POST", "/v1/platform/tenants/initech/admin-keys")

    events = json_of(platform.call("GET", "/v1/platform/audit-events"))["events"]

    actions = [event["action"] for event in events]
    for action in ("tenant.created", "tenant.updated", "group.created", "key.created"):
        assert action in actions
    assert "platform_key.created" in actions  # the fixture's key, by the operator CLI
    for event in events:
        assert event["time"]
        if event["tenant_id"] == "initech":
            assert event["actor"] == {
                "type": "platform",
                "id": event["actor"]["id"],
                "name": "Signup backend",
            }
            assert event["request_id"]
    only = json_of(platform.call("GET", "/v1/platform/audit-events?tenant_id=initech"))["events"]
    assert {event["tenant_id"] for event in only} == {"initech"}


def test_tenant_trail_shows_what_the_platform_did_there(platform: Api) -> None:
    create_tenant(platform, "initech")
    secret = json_of(platform.call("POST", "/v1/platform/tenants/initech/admin-keys"))["secret"]
    events = json_of(platform.as_key(secret).call("GET", "/v1/audit-events"))["events"]
    assert {event["actor"]["type"] for event in events} == {"platform"}
    assert {event["tenant_id"] for event in events} == {"initech"}


# --- secrets ---------------------------------------------------------------------------------


def test_platform_and_admin_secrets_appear_only_in_their_one_answer(
    platform: Api,
    platform_key: str,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    reliability: Counters,
) -> None:
    caplog.set_level(logging.DEBUG)
    create_tenant(platform, "initech")
    minted = json_of(platform.call("POST", "/v1/platform/tenants/initech/admin-keys"))
    key_id = minted["key"]["id"]
    secrets = [platform_key, minted["secret"]]
    answers = [
        platform.call(method, path).body.decode()
        for method, path in [
            ("GET", "/v1/platform/tenants"),
            ("GET", "/v1/platform/tenants/initech"),
            ("GET", f"/v1/platform/keys/{key_id}"),
            ("GET", "/v1/platform/audit-events"),
        ]
    ]
    answers.append(
        platform.call("GET", "/v1/keys", headers={"X-Latchkey-Tenant": "initech"}).body.decode()
    )
    places = [("tables", json.dumps(table_snapshot(services))), ("logs", logged(caplog))]
    places += [("stdout", capsys.readouterr().out)]
    places += [(f"answer {number}", text) for number, text in enumerate(answers)]

    leaks = found_in(secrets, places, whole=True)
    reliability.secret_hits += len(leaks)
    assert leaks == []


def test_openapi_documents_the_platform_routes_under_their_own_tag(platform: Api) -> None:
    document = json_of(platform.as_key(None).call("GET", "/openapi.json"))
    platform_paths = {path for path in document["paths"] if path.startswith("/v1/platform/")}
    assert platform_paths == {
        "/v1/platform/tenants",
        "/v1/platform/tenants/{tenant_id}",
        "/v1/platform/tenants/{tenant_id}/admin-keys",
        "/v1/platform/keys/{key_id}",
        "/v1/platform/audit-events",
    }
    for path in platform_paths:
        for operation in document["paths"][path].values():
            assert operation["tags"] == ["platform"]
