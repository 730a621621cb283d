"""``GET /v1/me``: any credential learns who it is, what it may do and its tenant's usage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from chalice.test import Client

from app import app
from chalicelib.api.openapi import document
from chalicelib.config.oidc import OidcSettings
from chalicelib.identity.oidc import JwksCache, OidcVerifier
from chalicelib.wiring.services import Services, set_services
from tests.fake_issuer import AUDIENCE, ISSUER, JWKS_URL, Issuer
from tests.functional.conftest import create_key, json_of
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock


def test_an_admin_key_learns_its_tenant_permissions_and_usage(api: Api, acme: Tenant) -> None:
    create_key(api, acme.group_id)

    answer = api.call("GET", "/v1/me")

    assert answer.status_code == 200, answer.body
    me = json_of(answer)
    assert me["tenant_id"] == "acme"
    assert me["actor"]["type"] == "key"
    assert me["actor"]["name"] == "Admin key"
    assert me["permissions"] == ["keys:manage"]
    assert me["key_usage"] == {"used": 2, "limit": 10}


def test_a_read_only_key_learns_it_may_only_read(api: Api, acme: Tenant) -> None:
    group = json_of(
        api.call("POST", "/v1/groups", {"name": "Auditors", "permissions": ["keys:read"]})
    )
    reader = create_key(api, group["id"], name="Auditor")["secret"]

    me = json_of(api.as_key(reader).call("GET", "/v1/me"))

    assert me["permissions"] == ["keys:read"]
    assert me["actor"]["name"] == "Auditor"


def test_a_key_of_a_group_without_key_permissions_is_forbidden(api: Api, acme: Tenant) -> None:
    group = json_of(
        api.call("POST", "/v1/groups", {"name": "Orders", "permissions": ["orders:read"]})
    )
    other = create_key(api, group["id"], name="Orders")["secret"]

    answer = api.as_key(other).call("GET", "/v1/me")

    assert answer.status_code == 403
    assert json_of(answer)["code"] == "forbidden"


def test_no_credential_is_unauthenticated_and_tells_nothing(api: Api) -> None:
    answer = api.as_key(None).call("GET", "/v1/me")

    assert answer.status_code == 401
    assert json_of(answer)["code"] == "unauthenticated"
    assert "tenant" not in answer.body.decode()


@pytest.fixture
def people(services: Services, acme: Tenant, clock: FakeClock) -> Iterator[tuple[Api, Issuer]]:
    issuer = Issuer()
    settings = replace(services.settings, oidc=OidcSettings(issuer=ISSUER, audience=AUDIENCE))
    jwks = JwksCache(JWKS_URL, issuer.jwks, monotonic=lambda: 0.0)
    set_services(replace(services, oidc=OidcVerifier(settings, jwks, clock)))
    with Client(app) as client:
        yield Api(client, None), issuer


def test_a_person_learns_their_name_and_the_permissions_of_their_roles(
    people: tuple[Api, Issuer], clock: FakeClock
) -> None:
    api, issuer = people
    token = issuer.token(clock, **{"cognito:groups": ["Read API credentials"]})

    answer = api.call("GET", "/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200, answer.body
    me = json_of(answer)
    assert me["actor"] == {"type": "user", "id": "user-123", "name": "Ada Lovelace"}
    assert me["permissions"] == ["keys:read"]
    assert me["tenant_id"] == "acme"


def test_the_document_describes_me() -> None:
    operation = document()["paths"]["/v1/me"]["get"]

    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/MeOut"
    }
    assert set(document()["components"]["schemas"]["MeOut"]["required"]) == {
        "tenant_id",
        "actor",
        "permissions",
        "key_usage",
    }
