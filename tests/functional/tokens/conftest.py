"""Access tokens switched on, a group of order routes and a key in it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.wiring.services import Services, build_services, set_services
from tests.functional.conftest import create_key, json_of
from tests.support.api import Api
from tests.support.clock import FakeClock
from tests.support.moto import MotoAccount
from tests.support.settings import settings_for_tests
from tests.token_keys import ISSUER, local_keys


@pytest.fixture
def services(moto: MotoAccount, clock: FakeClock) -> Iterator[Services]:
    """The functional services with access tokens switched on."""
    settings = settings_for_tests(
        access_tokens=AccessTokenSettings(issuer=ISSUER, audience="orders-api")
    )
    built = build_services(settings, clock, token_keys=local_keys())
    set_services(built)
    yield built
    set_services(None)


@pytest.fixture
def orders_group(api: Api) -> str:
    body = {
        "name": "Orders",
        "permissions": ["orders:read", "orders:write"],
        "routes": ["GET /orders/*", "POST /orders"],
    }
    group: dict[str, Any] = json_of(api.call("POST", "/v1/groups", body))
    return str(group["id"])


@pytest.fixture
def key(api: Api, orders_group: str) -> dict[str, Any]:
    return create_key(api, orders_group, expires_at="2027-01-01T00:00:00Z")
