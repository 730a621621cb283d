"""POST /v1/verify (the authorizer's decision over HTTP) and the usage it counts."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.key_format import KeyFormat, format_token, new_secret
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


@pytest.fixture
def orders_group(api: Api) -> str:
    body = {"name": "Orders", "permissions": ["orders:read"], "routes": ["GET /orders/*"]}
    group: dict[str, Any] = json_of(api.call("POST", "/v1/groups", body))
    return str(group["id"])


def verify(api: Api, **body: Any) -> dict[str, Any]:
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 200, response.body
    result: dict[str, Any] = json_of(response)
    return result


def test_valid_key_for_a_permitted_route(api: Api, acme: Tenant, orders_group: str) -> None:
    made = create_key(api, orders_group, expires_at="2027-01-01T00:00:00Z")
    result = verify(api, key=made["secret"], route="GET /orders/7", source_ip="198.51.100.7")
    assert result == {
        "valid": True,
        "code": "VALID",
        "key_id": made["key"]["id"],
        "tenant_id": "acme",
        "group_id": orders_group,
        "permissions": ["orders:read"],
        "expires_at": "2027-01-01T00:00:00Z",
    }


def test_every_refusal_has_its_code(
    api: Api, acme: Tenant, orders_group: str, clock: FakeClock
) -> None:
    good = create_key(api, orders_group)["secret"]
    revoked = create_key(api, orders_group)
    api.call("POST", f"/v1/keys/{revoked['key']['id']}/revoke")
    expiring = create_key(api, orders_group, expires_at="2026-11-24T12:30:00Z")["secret"]
    fenced = create_key(api, orders_group, ip_allowlist=["10.0.0.0/8"])["secret"]
    clock.advance(hours=1)
    good_id = good.split("_")[2]
    unknown, _ = KeyFormat("lk_test").mint()
    wrong_secret = format_token("lk_test", good_id, new_secret())
    cases = {
        "MALFORMED": {"key": good[:-1] + ("A" if good[-1] != "A" else "B")},
        "NOT_FOUND": {"key": unknown},
        "REVOKED": {"key": revoked["secret"]},
        "EXPIRED": {"key": expiring},
        "IP_NOT_ALLOWED": {"key": fenced, "source_ip": "192.0.2.1"},
        "ROUTE_NOT_ALLOWED": {"key": good, "route": "DELETE /orders/7"},
        "PATH_NOT_CANONICAL": {"key": good, "route": "GET /orders/../admin"},
    }
    for code, body in cases.items():
        result = verify(api, **body)
        assert (result["valid"], result["code"]) == (False, code), code
    assert verify(api, key=wrong_secret)["code"] == "NOT_FOUND", "a wrong secret is unknown"
    assert verify(api, key=fenced)["code"] == "IP_NOT_ALLOWED", "no address: allowlist refuses"
    assert verify(api, key=fenced, source_ip="10.1.2.3")["valid"] is True


def test_unknown_key_reveals_nothing(api: Api) -> None:
    result = verify(api, key="definitely not a key")
    assert result == {
        "valid": False,
        "code": "MALFORMED",
        "key_id": None,
        "tenant_id": None,
        "group_id": None,
        "permissions": [],
        "expires_at": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),  # neither key nor token (one of them is needed)
        ({"key": "x", "route": "orders"}, "route"),
        ({"key": "x", "extra": 1}, "body"),  # the unknown name is never repeated
        ({"key": 7}, "key"),
    ],
)
def test_bad_verify_request_is_a_422(
    api: Api, services: Services, body: dict[str, Any], field: str
) -> None:
    before = table_snapshot(services)
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in json_of(response)["errors"]]
    assert table_snapshot(services) == before


def test_verify_counts_usage_and_last_use(
    api: Api, acme: Tenant, orders_group: str, clock: FakeClock
) -> None:
    made = create_key(api, orders_group)
    key_id = made["key"]["id"]
    verify(api, key=made["secret"], route="GET /orders/1")  # first use is written at once
    key = json_of(api.call("GET", f"/v1/keys/{key_id}"))
    assert key["last_used_at"] == "2026-11-24T12:00:00Z"
    verify(api, key=made["secret"], route="DELETE /orders/1")  # denied, buffered
    clock.advance(seconds=61)
    verify(api, key=made["secret"], route="GET /orders/2")  # due again: written
    report = json_of(api.call("GET", f"/v1/keys/{key_id}/usage?from=2026-11-24&to=2026-11-24"))
    # tokens_issued: access tokens, none here.
    day = {"day": "2026-11-24", "allowed": 2, "denied": 1, "tokens_issued": 0}
    assert report["days"] == [day]
    assert (report["allowed"], report["denied"]) == (2, 1)
    tenant = json_of(api.call("GET", "/v1/usage?from=2026-11-01&to=2026-11-30"))
    assert tenant["days"] == [day]
    assert tenant["from"] == "2026-11-01"


def test_usage_of_another_tenants_key_is_404(api: Api, globex: Tenant) -> None:
    theirs = Api(api.client, globex.token)
    key_id = create_key(theirs, globex.group_id)["key"]["id"]
    assert api.call("GET", f"/v1/keys/{key_id}/usage").status_code == 404


def test_no_range_is_the_30_days_ending_today_on_the_services_clock(
    api: Api, clock: FakeClock
) -> None:
    report = json_of(api.call("GET", "/v1/usage"))
    assert (report["from"], report["to"]) == ("2026-10-26", "2026-11-24")
    clock.advance(days=1)  # the services' clock, not the machine's, says which day it is
    report = json_of(api.call("GET", "/v1/usage"))
    assert (report["from"], report["to"]) == ("2026-10-27", "2026-11-25")
    tomorrow = api.call("GET", "/v1/usage?from=2026-11-26")  # after the default "to"
    assert tomorrow.status_code == 422
    refused = [{"field": "query", "message": "from must not be after to"}]
    assert json_of(tomorrow)["errors"] == refused


def test_a_bad_range_for_another_tenants_key_is_a_422_before_any_lookup(
    api: Api, globex: Tenant
) -> None:
    theirs = Api(api.client, globex.token)
    key_id = create_key(theirs, globex.group_id)["key"]["id"]
    response = api.call("GET", f"/v1/keys/{key_id}/usage?from=2026-11-30&to=2026-11-01")
    assert response.status_code == 422
    assert json_of(response)["code"] == "validation_failed"


def test_a_range_at_the_first_day_of_the_calendar_is_answered(api: Api) -> None:
    # The default "from" (29 days before "to") would fall before 0001-01-01.
    report = json_of(api.call("GET", "/v1/usage?to=0001-01-01"))
    assert (report["from"], report["to"], report["allowed"]) == ("0001-01-01", "0001-01-01", 0)


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-11-30&to=2026-11-01",
        "?from=2020-01-01&to=2026-01-01",
        "?from=yesterday",
        "?from=3094-12-26",  # after today, the default "to" (schemathesis found a 503 here)
        "?to=0",  # a number is not a date, though pydantic reads it as 1970-01-01
        "?from=2026-11-01T00:00:00Z",
    ],
)
def test_bad_usage_range_is_a_422(api: Api, query: str) -> None:
    response = api.call("GET", f"/v1/usage{query}")
    assert response.status_code == 422
    assert json_of(response)["code"] == "validation_failed"


def test_usage_spans_at_most_366_inclusive_days(api: Api) -> None:
    longest = api.call("GET", "/v1/usage?from=2024-01-01&to=2024-12-31")  # a leap year: 366
    assert longest.status_code == 200, longest.body
    assert (json_of(longest)["from"], json_of(longest)["to"]) == ("2024-01-01", "2024-12-31")
    for one_more in ("from=2024-01-01&to=2025-01-01", "from=2025-01-01&to=2026-01-02"):  # 367
        response = api.call("GET", f"/v1/usage?{one_more}")
        assert response.status_code == 422, one_more
        assert "366" in json_of(response)["errors"][0]["message"]
    assert api.call("GET", "/v1/usage?from=2025-01-01&to=2026-01-01").status_code == 200


SECRET_LOOKING = "lk_live_0123456789abcdef_SECRETSECRETSECRETSECRET"


def test_verify_never_repeats_an_unknown_field_name(api: Api) -> None:
    body = {"key": "x", SECRET_LOOKING: "y"}
    response = api.as_key(None).call("POST", "/v1/verify", body)
    assert response.status_code == 422
    assert SECRET_LOOKING not in response.body.decode()
    assert json_of(response)["errors"] == [
        {"field": "body", "message": "holds a field this API does not know (not repeated)"}
    ]


def test_a_list_never_repeats_an_unknown_query_parameter(api: Api) -> None:
    response = api.call("GET", f"/v1/keys?{SECRET_LOOKING}=1")
    assert response.status_code == 422
    assert SECRET_LOOKING not in response.body.decode()
    assert json_of(response)["errors"] == [
        {"field": "query", "message": "holds a field this API does not know (not repeated)"}
    ]


def test_a_scoped_source_address_is_a_422_never_a_match(
    api: Api, acme: Tenant, orders_group: str, services: Services
) -> None:
    fenced = create_key(api, orders_group, ip_allowlist=["fe80::/64"])["secret"]
    assert verify(api, key=fenced, source_ip="fe80::1")["valid"] is True
    before = table_snapshot(services)

    for address in ["fe80::1%eth0", "fe80::1%1", "fe80::1%25eth0"]:
        response = api.as_key(None).call(
            "POST", "/v1/verify", {"key": fenced, "source_ip": address}
        )
        assert (response.status_code, json_of(response)["code"]) == (422, "validation_failed")
        assert address not in response.body.decode()

    assert table_snapshot(services) == before
