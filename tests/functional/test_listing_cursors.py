"""Listing cursors are the API's own, for one listing: anything else is a 422, nothing read.

A made-up audit-events cursor reached DynamoDB as a start key, which
refused it, and the API answered 503 with Retry-After: clients that honour it looped.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of
from tests.functional.faults import DYNAMODB_FAULTS, FaultPlan
from tests.support.api import Api, Tenant

# Never injected (no call has this index): the plan only records what was called.
WATCH_ONLY = 10**9


@pytest.fixture
def services(faults: FaultPlan, services: Services) -> Services:
    """The moto services, built after the fault plan so every client reports to it."""
    return services


@pytest.fixture
def globex_api(globex: Tenant, api: Api) -> Iterator[Api]:
    with Client(app) as client:
        yield Api(client, globex.token)


def next_cursor(api: Api, path: str) -> str:
    body = json_of(api.call("GET", path))
    cursor = body["next_cursor"]
    assert isinstance(cursor, str), body
    return cursor


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def assert_refused_without_a_query(api: Api, faults: FaultPlan, path: str) -> None:
    faults.arm("dynamodb", DYNAMODB_FAULTS[0], at=WATCH_ONLY)
    response = api.call("GET", path)
    faults.disarm()
    assert response.status_code == 422, (path, response.body)
    body = json_of(response)
    assert body["code"] == "validation_failed"
    assert body["errors"] == [{"field": "cursor", "message": "invalid cursor"}]
    assert "Retry-After" not in response.headers
    # Authentication reads the key and its group; the listing's Query never runs.
    assert "Query" not in faults.operations, faults.operations


@pytest.fixture
def pages(api: Api, acme: Tenant) -> dict[str, str]:
    """A second page's cursor of each listing, for acme's admin."""
    for n in range(3):
        create_key(api, acme.group_id, name=f"Key {n}")
    return {
        "keys": next_cursor(api, "/v1/keys?limit=1&status=active"),
        "audit": next_cursor(api, "/v1/audit-events?limit=1&action=key.created"),
    }


def test_a_cursor_continues_its_own_listing(api: Api, pages: dict[str, str]) -> None:
    keys = api.call("GET", f"/v1/keys?limit=1&status=active&cursor={pages['keys']}")
    assert keys.status_code == 200, keys.body
    audit = api.call("GET", f"/v1/audit-events?limit=1&action=key.created&cursor={pages['audit']}")
    assert audit.status_code == 200, audit.body


@pytest.mark.parametrize(
    "path",
    [
        "/v1/keys?limit=1&status=revoked&cursor={keys}",  # other filter
        "/v1/keys?limit=1&cursor={keys}",  # filter dropped
        "/v1/keys?limit=1&status=active&expiry=expired&cursor={keys}",  # filter added
        "/v1/audit-events?limit=1&cursor={audit}",  # other filter
        "/v1/audit-events?action=key.created&from=2026-01-01T00:00:00Z&cursor={audit}",  # range
        "/v1/audit-events?action=key.created&cursor={keys}",  # other listing's cursor
        "/v1/keys?status=active&cursor={audit}",
    ],
)
def test_a_cursor_for_another_listing_is_a_422_and_nothing_is_read(
    api: Api, faults: FaultPlan, pages: dict[str, str], path: str
) -> None:
    assert_refused_without_a_query(api, faults, path.format(**pages))


def test_another_tenants_cursor_is_a_422(
    globex_api: Api, faults: FaultPlan, pages: dict[str, str]
) -> None:
    assert_refused_without_a_query(
        globex_api, faults, f"/v1/keys?status=active&cursor={pages['keys']}"
    )
    assert_refused_without_a_query(
        globex_api, faults, f"/v1/audit-events?action=key.created&cursor={pages['audit']}"
    )


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "a.b",
        b64({"s": "2026-11-24T12:00:00+00:00#x", "k": "y"}),  # unsigned, as cursors once were
        b64({"s": "x", "k": "y"}) + ".AAAA",
    ],
)
def test_a_tampered_or_made_up_cursor_is_a_422_on_every_listing(
    api: Api, faults: FaultPlan, pages: dict[str, str], cursor: str
) -> None:
    assert_refused_without_a_query(api, faults, f"/v1/keys?cursor={cursor}")
    assert_refused_without_a_query(api, faults, f"/v1/audit-events?cursor={cursor}")
    mac = pages["keys"].partition(".")[2]
    forged = b64({"s": "9999-01-01T00:00:00+00:00#zzz", "k": "zzz"})
    assert_refused_without_a_query(api, faults, f"/v1/keys?status=active&cursor={forged}.{mac}")
