"""Ids in paths are checked against their format before anything reads them.

An id no key or group can have (60 or 3,000 characters, a wrong alphabet, a group id
without its prefix) answers exactly as an unknown id does, a 404, and sends DynamoDB
nothing: before, DynamoDB refused an oversized key (ValidationException) and the API
answered 503, a client's mistake reported as our outage. Calls are counted by the fault
plan's botocore hook (tests/functional/faults.py), which sees every DynamoDB request.
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.wiring.services import Services
from tests.functional.conftest import json_of, table_snapshot
from tests.functional.faults import FaultPlan
from tests.support.api import Api, Tenant

KNOWN_SHAPE_KEY = "Zz" * 8  # a well-formed key id nobody has
KNOWN_SHAPE_GROUP = "grp_" + "Zz" * 8
BAD_KEY_IDS = ["A" * 60, "A" * 3000, "A" * 15, "A" * 17, "Zz-Zz_Zz.Zz~Zz:Zz", "grp_" + "A" * 16]
BAD_GROUP_IDS = ["grp_" + "A" * 56, "g" * 3000, "grp_short", "GRP_" + "A" * 16, "A" * 16]
# Every route that takes an id in its path: method, path template, body.
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/v1/keys/{key_id}", None),
    ("PATCH", "/v1/keys/{key_id}", {"name": "Renamed"}),
    ("POST", "/v1/keys/{key_id}/rotate", {"grace_period_seconds": 60}),
    ("POST", "/v1/keys/{key_id}/revoke", None),
    ("GET", "/v1/keys/{key_id}/usage", None),
    ("GET", "/v1/groups/{group_id}", None),
    ("PATCH", "/v1/groups/{group_id}", {"name": "Renamed"}),
    ("DELETE", "/v1/groups/{group_id}", None),
]
CASES = [
    (method, template, body, bad)
    for method, template, body in ROUTES
    for bad in (BAD_KEY_IDS if "{key_id}" in template else BAD_GROUP_IDS)
]


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so its hook sees every client."""
    return services


def fill(template: str, value: str) -> str:
    return template.replace("{key_id}", value).replace("{group_id}", value)


def dynamodb_calls(faults: FaultPlan, since: int) -> list[tuple[str, Any]]:
    return [(op, params) for svc, op, params in faults.requests[since:] if svc == "dynamodb"]


@pytest.mark.parametrize(
    ("method", "template", "body", "bad"),
    CASES,
    ids=[f"{m} {t} {len(b)}:{b[:8]}" for m, t, _, b in CASES],
)
def test_an_id_of_no_possible_shape_is_a_404_without_reaching_dynamodb(
    api: Api,
    acme: Tenant,
    services: Services,
    faults: FaultPlan,
    method: str,
    template: str,
    body: Any,
    bad: str,
) -> None:
    known = KNOWN_SHAPE_KEY if "{key_id}" in template else KNOWN_SHAPE_GROUP
    start = len(faults.requests)
    unknown = api.call(method, fill(template, known), body)
    reads_for_unknown = len(dynamodb_calls(faults, start))
    before = table_snapshot(services)
    start = len(faults.requests)

    response = api.call(method, fill(template, bad), body)

    calls = dynamodb_calls(faults, start)
    assert response.status_code == 404, response.body
    assert json_of(response) == json_of(unknown)
    assert [op for op, params in calls if bad[:12] in repr(params)] == []
    assert len(calls) < reads_for_unknown, "the id's own read is skipped"
    assert table_snapshot(services) == before


def test_the_id_is_checked_after_the_credential(api: Api, acme: Tenant) -> None:
    response = api.as_key(None).call("GET", "/v1/keys/" + "A" * 3000)
    assert response.status_code == 401


def test_the_document_gives_each_path_id_its_format(api: Api) -> None:
    document = json_of(api.client.http.get("/openapi.json"))
    patterns = {
        parameter["name"]: parameter["schema"]["pattern"]
        for path in document["paths"].values()
        for operation in path.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    assert patterns == {
        "key_id": "^[0-9A-Za-z]{16}$",
        "group_id": "^grp_[0-9A-Za-z]{16}$",
        "webhook_id": "^wh_[0-9a-f]{32}$",
        "tenant_id": "^[a-z0-9][a-z0-9-]{1,62}$",
    }
