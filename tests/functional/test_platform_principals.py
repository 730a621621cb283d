"""Platform principals: platform keys (CLI), platform people (OpenID Connect), and where
each credential reaches. A tenant's credential never reaches a platform route; a platform
credential reaches a tenant's data only in support mode (X-Latchkey-Tenant)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.cli.main import main
from chalicelib.domain.audit_log import AuditQuery
from chalicelib.domain.platform.principals import PLATFORM_TRAIL
from chalicelib.domain.records import Origin
from chalicelib.domain.tenants import OPERATOR
from chalicelib.identity.oidc import JwksCache, OidcVerifier
from chalicelib.wiring.services import Services, set_services
from tests.fake_issuer import AUDIENCE, ISSUER, JWKS_URL, Issuer
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.moto import stored_items
from tests.support.secrets import found_in

PLATFORM_ROLE = "latchkey-platform-admin"
READ_ROLE = "latchkey-platform-viewer"


@dataclass
class PlatformKeys:
    manage: str
    read: str
    revoked: str


@pytest.fixture
def platform(services: Services) -> PlatformKeys:
    keys = services.platform_keys
    manage = keys.create("Support desk", False, Origin(OPERATOR)).token
    read = keys.create("Billing reports", True, Origin(OPERATOR)).token
    revoked = keys.create("Old laptop", False, Origin(OPERATOR))
    keys.revoke(revoked.key.key_id, Origin(OPERATOR))
    return PlatformKeys(manage, read, revoked.token)


@pytest.fixture
def cli_env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI on the same tables, prefix and pepper as the app under test."""
    monkeypatch.setenv("LATCHKEY_KEY_PREFIX", services.settings.keys.prefix)
    monkeypatch.setenv("LATCHKEY_PEPPERS", "1:test-pepper-one")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """The CLI's exit code and what it printed (without the API's log lines and metrics of
    the test's earlier requests, which Powertools writes to the same stdout)."""
    code = main(list(argv))
    printed = capsys.readouterr().out.splitlines()
    ours = [line for line in printed if '"level"' not in line and '"_aws"' not in line]
    return code, "\n".join(ours)


# --- the operator CLI ----------------------------------------------------------------------


def test_cli_creates_a_platform_key_and_prints_its_secret_once(
    cli_env: None, acme: Tenant, api: Api, capsys: pytest.CaptureFixture[str], services: Services
) -> None:
    code, out = cli(capsys, "platform", "keys", "create", "--name", "Support desk", "--json")

    made = json.loads(out)
    assert code == 0
    assert set(made) == {"key_id", "secret", "permissions"}
    assert made["permissions"] == ["platform:manage"]
    assert made["secret"].startswith(f"{services.settings.keys.prefix}_platform_{made['key_id']}_")
    owner = api.as_key(made["secret"]).call("GET", f"/v1/platform/keys/{made['key_id']}")
    assert owner.status_code == 200, owner.body
    assert json_of(owner)["kind"] == "platform"
    code, listed = cli(capsys, "platform", "keys", "list", "--json")
    assert code == 0
    assert [key["key_id"] for key in json.loads(listed)["keys"]] == [made["key_id"]]
    assert found_in([made["secret"]], [("listing", listed)]) == []
    places = [(name, json.dumps(items)) for name, items in stored_items(services.settings).items()]
    assert found_in([made["secret"]], places, whole=True) == []


def test_cli_read_only_key_grants_platform_read(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(
        capsys, "platform", "keys", "create", "--name", "Reports", "--read-only", "--json"
    )
    assert code == 0
    assert json.loads(out)["permissions"] == ["platform:read"]


def test_cli_prints_the_secret_once_for_a_person_too(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "platform", "keys", "create", "--name", "Support desk")
    assert code == 0
    assert "only time the platform key is shown" in out
    code, listed = cli(capsys, "platform", "keys", "list")
    secret = next(line.split()[-1] for line in out.splitlines() if line.startswith("Platform key"))
    assert found_in([secret], [("list", listed)]) == []
    assert "Support desk" in listed


def test_cli_revoked_platform_key_stops_working_at_once(
    cli_env: None, acme: Tenant, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    made = json.loads(cli(capsys, "platform", "keys", "create", "--name", "Temp", "--json")[1])
    platform_api = api.as_key(made["secret"])
    assert platform_api.call("GET", f"/v1/platform/keys/{made['key_id']}").status_code == 200

    code, out = cli(capsys, "platform", "keys", "revoke", made["key_id"], "--json")

    assert code == 0
    assert json.loads(out)["status"] == "revoked"
    assert platform_api.call("GET", f"/v1/platform/keys/{made['key_id']}").status_code == 401


def test_cli_refuses_a_bad_name_and_writes_nothing(
    cli_env: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_snapshot(services)
    code = main(["platform", "keys", "create", "--name", " "])
    assert code == 1
    assert "name" in capsys.readouterr().err
    assert table_snapshot(services) == before


def test_cli_revoking_an_unknown_key_fails_and_writes_nothing(
    cli_env: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_snapshot(services)
    assert main(["platform", "keys", "revoke", "AAAAAAAAAAAAAAAA"]) == 1
    assert table_snapshot(services) == before


def test_platform_key_events_are_in_the_platform_trail(
    services: Services, platform: PlatformKeys
) -> None:
    events, _ = services.audit.list(AuditQuery(PLATFORM_TRAIL), 10, None)
    assert sorted(event.action for event in events) == [
        "platform_key.created",
        "platform_key.created",
        "platform_key.created",
        "platform_key.revoked",
    ]
    assert {event.origin.actor.id for event in events} == {OPERATOR.id}


# --- owner lookup --------------------------------------------------------------------------


def test_owner_lookup_names_the_tenant_and_never_a_secret(
    api: Api, acme: Tenant, platform: PlatformKeys
) -> None:
    made = create_key(api, acme.group_id, name="Billing sync")
    key_id = made["key"]["id"]

    answer = api.as_key(platform.read).call("GET", f"/v1/platform/keys/{key_id}")

    body = json_of(answer)
    assert answer.status_code == 200, answer.body
    assert (body["kind"], body["tenant_id"], body["name"]) == ("tenant", "acme", "Billing sync")
    assert body["status"] == "active"
    assert "secret" not in answer.body.decode()
    assert "hash" not in answer.body.decode()
    assert found_in([made["secret"]], [("answer", answer.body.decode())], whole=True) == []


def test_owner_lookup_of_an_unknown_id_is_404(api: Api, platform: PlatformKeys) -> None:
    answer = api.as_key(platform.manage).call("GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA")
    assert answer.status_code == 404
    assert json_of(answer)["code"] == "not_found"


# --- the isolation matrix ------------------------------------------------------------------

# (who, method, path, with the support header naming acme) -> status
MATRIX = [
    # A tenant's admin key: its own routes only; never a platform route; never the header.
    ("tenant", "GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA", False, 403),
    ("tenant", "GET", "/v1/keys", False, 200),
    ("tenant", "GET", "/v1/keys", True, 403),
    ("tenant", "POST", "/v1/groups", True, 403),
    ("other_tenant", "GET", "/v1/keys", True, 403),
    # A platform key that manages: platform routes; a tenant's routes only with the header.
    ("manage", "GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA", False, 404),
    ("manage", "GET", "/v1/keys", False, 403),
    ("manage", "GET", "/v1/me", False, 403),
    ("manage", "GET", "/v1/keys", True, 200),
    ("manage", "POST", "/v1/groups", True, 201),
    # A read-only platform key: GET calls, in support mode read-only.
    ("read", "GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA", False, 404),
    ("read", "GET", "/v1/keys", True, 200),
    ("read", "POST", "/v1/groups", True, 403),
    ("read", "GET", "/v1/keys", False, 403),
    # A revoked platform key, and a made-up one in the platform format: nothing.
    ("revoked", "GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA", False, 401),
    ("revoked", "GET", "/v1/keys", True, 401),
    ("forged", "GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA", False, 401),
    ("forged", "GET", "/v1/keys", True, 401),
    ("none", "GET", "/v1/platform/keys/AAAAAAAAAAAAAAAA", False, 401),
]


def _credential(who: str, acme: Tenant, globex: Tenant, platform: PlatformKeys) -> str | None:
    forged = platform.manage[:-7] + ("A" if platform.manage[-7] != "A" else "B")
    return {
        "tenant": acme.token,
        "other_tenant": globex.token,
        "manage": platform.manage,
        "read": platform.read,
        "revoked": platform.revoked,
        "forged": forged + platform.manage[-6:],
        "none": None,
    }[who]


@pytest.mark.parametrize(("who", "method", "path", "support", "status"), MATRIX)
def test_isolation_matrix(
    api: Api,
    acme: Tenant,
    globex: Tenant,
    platform: PlatformKeys,
    services: Services,
    who: str,
    method: str,
    path: str,
    support: bool,
    status: int,
) -> None:
    headers = {"X-Latchkey-Tenant": "acme"} if support else {}
    body = {"name": "Support's group", "permissions": ["orders:read"]} if method == "POST" else None
    before = table_snapshot(services)

    answer = api.as_key(_credential(who, acme, globex, platform)).call(
        method, path, body, headers=headers
    )

    assert answer.status_code == status, answer.body
    if status >= 400:
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert table_snapshot(services) == before


def test_platform_key_without_the_header_is_told_to_use_support_mode(
    api: Api, platform: PlatformKeys
) -> None:
    answer = api.as_key(platform.manage).call("GET", "/v1/keys")
    assert answer.status_code == 403
    assert json_of(answer)["code"] == "support_mode_required"
    assert "X-Latchkey-Tenant" in json_of(answer)["detail"]


def test_tenant_key_sending_the_support_header_is_refused_not_obeyed(
    api: Api, acme: Tenant, globex: Tenant, services: Services
) -> None:
    before = table_snapshot(services)
    answer = api.call(
        "POST",
        "/v1/groups",
        {"name": "Sneaky", "permissions": ["x"]},
        headers={"X-Latchkey-Tenant": "globex"},
    )
    assert answer.status_code == 403
    assert "X-Latchkey-Tenant" in json_of(answer)["detail"]
    assert table_snapshot(services) == before


def test_support_mode_in_an_unknown_tenant_is_404_and_does_not_repeat_the_id(
    api: Api, platform: PlatformKeys
) -> None:
    for tenant in ("nobody", "NOT A TENANT <script>"):
        answer = api.as_key(platform.manage).call(
            "GET", "/v1/keys", headers={"X-Latchkey-Tenant": tenant}
        )
        assert answer.status_code == 404
        assert tenant not in answer.body.decode()


def test_two_support_headers_are_refused(api: Api, acme: Tenant, platform: PlatformKeys) -> None:
    answer = api.as_key(platform.manage).call(
        "GET", "/v1/keys", headers={"X-Latchkey-Tenant": "acme,globex"}
    )
    assert answer.status_code == 401


def test_platform_key_is_not_a_key_to_verify_or_to_the_token_endpoint(
    api: Api, platform: PlatformKeys
) -> None:
    verified = api.as_key(None).call("POST", "/v1/verify", {"key": platform.manage})
    assert verified.status_code == 200
    assert json_of(verified)["valid"] is False
    assert json_of(verified)["code"] == "MALFORMED"


# --- support mode's trail ------------------------------------------------------------------


def test_support_actions_are_in_the_tenants_trail_as_platform_and_in_the_platform_trail(
    api: Api, acme: Tenant, platform: PlatformKeys, services: Services
) -> None:
    support = api.as_key(platform.manage)
    made = support.call(
        "POST",
        "/v1/keys",
        {"name": "Made by support", "group_id": acme.group_id},
        headers={"X-Latchkey-Tenant": "acme"},
    )
    assert made.status_code == 201, made.body
    assert json_of(made)["key"]["created_by"]["type"] == "platform"

    trail = json_of(api.call("GET", "/v1/audit-events?action=key.created"))["events"]
    by_support = [event for event in trail if event["actor"]["type"] == "platform"]
    assert len(by_support) == 1
    assert by_support[0]["actor"]["name"] == "Support desk"
    assert by_support[0]["tenant_id"] == "acme"
    events, _ = services.audit.list(AuditQuery(PLATFORM_TRAIL, action="key.created"), 10, None)
    assert [(event.tenant_id, event.origin.actor.name) for event in events] == [
        ("acme", "Support desk")
    ]


# --- platform people -----------------------------------------------------------------------


@pytest.fixture
def people(services: Services, acme: Tenant, clock: FakeClock) -> Iterator[tuple[Api, Issuer]]:
    issuer = Issuer()
    settings = replace(
        services.settings,
        oidc=replace(services.settings.oidc, issuer=ISSUER, audience=AUDIENCE),
        platform=replace(services.settings.platform, role=PLATFORM_ROLE, read_role=READ_ROLE),
    )
    jwks = JwksCache(JWKS_URL, issuer.jwks, monotonic=lambda: 0.0)
    set_services(replace(services, settings=settings, oidc=OidcVerifier(settings, jwks, clock)))
    with Client(app) as client:
        yield Api(client, None), issuer


def _bearer(api: Api, token: str, path: str, headers: dict[str, str] | None = None) -> Any:
    return api.call("GET", path, headers={"Authorization": f"Bearer {token}", **(headers or {})})


def test_person_with_the_platform_role_is_a_platform_principal(
    people: tuple[Api, Issuer], clock: FakeClock
) -> None:
    api, issuer = people
    token = issuer.token(clock, **{"cognito:groups": [PLATFORM_ROLE]})

    assert _bearer(api, token, "/v1/platform/keys/AAAAAAAAAAAAAAAA").status_code == 404
    assert _bearer(api, token, "/v1/keys").status_code == 403
    support = _bearer(api, token, "/v1/me", {"X-Latchkey-Tenant": "acme"})
    assert support.status_code == 200, support.body
    assert json_of(support)["actor"]["type"] == "platform"
    assert json_of(support)["permissions"] == ["keys:manage"]


def test_person_with_the_platform_read_role_only_reads(
    people: tuple[Api, Issuer], clock: FakeClock
) -> None:
    api, issuer = people
    token = issuer.token(clock, **{"cognito:groups": [READ_ROLE]})
    support = _bearer(api, token, "/v1/me", {"X-Latchkey-Tenant": "acme"})
    assert json_of(support)["permissions"] == ["keys:read"]


def test_tenant_person_never_reaches_a_platform_route(
    people: tuple[Api, Issuer], clock: FakeClock
) -> None:
    api, issuer = people
    token = issuer.token(clock)
    assert _bearer(api, token, "/v1/keys").status_code == 200
    assert _bearer(api, token, "/v1/platform/keys/AAAAAAAAAAAAAAAA").status_code == 403
    assert _bearer(api, token, "/v1/keys", {"X-Latchkey-Tenant": "acme"}).status_code == 403
