"""Functional tests: the whole app through ``chalice.test.Client``, over moto.

These prove routes, validation, errors and tenant scoping end to end in one process.
They cannot prove concurrency (moto is not safe under concurrent access) nor API
Gateway's own behaviour; tests/integration covers the first on DynamoDB Local.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.wiring.services import Services, build_services, set_services
from tests.functional.faults import FaultPlan, installed
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.moto import MotoAccount, stored_items
from tests.support.settings import settings_for_tests
from tests.support.webhooks import PUBLIC


def json_of(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


@pytest.fixture(scope="package")
def moto_account() -> Iterator[MotoAccount]:
    """moto for the whole functional package: started at its first test, stopped after."""
    account = MotoAccount()
    account.start()
    yield account
    account.stop()


@pytest.fixture
def moto(moto_account: MotoAccount, aws_credentials: None) -> MotoAccount:
    """The package's moto as a new mock would be: the test settings' tables, all empty."""
    moto_account.fresh(settings_for_tests())
    return moto_account


@pytest.fixture
def faults() -> Iterator[FaultPlan]:
    """A fault plan, disarmed: clients built after it consult it (tests/functional/faults.py).
    A module whose services must see it overrides ``services`` to ask for it first."""
    with installed(FaultPlan()) as plan:
        yield plan


@pytest.fixture
def services(moto: MotoAccount, clock: FakeClock) -> Iterator[Services]:
    # Webhook hosts resolve to a public address without DNS (tests/support/webhooks.py).
    built = build_services(settings_for_tests(), clock, webhook_resolver=PUBLIC)
    set_services(built)
    yield built
    set_services(None)


@pytest.fixture
def acme(services: Services) -> Tenant:
    made = services.tenants.bootstrap("acme")
    return Tenant("acme", made.group_id, made.issued.token)


@pytest.fixture
def globex(services: Services) -> Tenant:
    made = services.tenants.bootstrap("globex")
    return Tenant("globex", made.group_id, made.issued.token)


@pytest.fixture
def api(acme: Tenant) -> Iterator[Api]:
    with Client(app) as client:
        yield Api(client, acme.token)


def table_snapshot(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, to prove a rejected request changed nothing."""
    return stored_items(services.settings)


def create_key(api: Api, group_id: str, **fields: Any) -> dict[str, Any]:
    """Create a key through the API and return the 201 body (key and secret)."""
    response = api.call("POST", "/v1/keys", {"name": "Integration", "group_id": group_id, **fields})
    assert response.status_code == 201, response.body
    body: dict[str, Any] = json_of(response)
    return body
