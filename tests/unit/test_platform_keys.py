"""Platform keys' rules, on an in-memory store: the format, the stored hash, the
permissions, revocation, and that the tenant key parser refuses them offline."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.config.keys import KeySettings
from chalicelib.config.platform import PlatformSettings
from chalicelib.config.settings import Settings
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.peppers import StaticPeppers, hash_secret
from chalicelib.domain.platform.keys import PlatformKey, PlatformKeyService
from chalicelib.domain.platform.principals import (
    PLATFORM_MANAGE,
    PLATFORM_READ,
    PLATFORM_TRAIL,
    PlatformPrincipal,
    platform_actor,
)
from chalicelib.domain.records import AuditEvent, KeyStatus, Origin
from chalicelib.domain.tenants import OPERATOR
from tests.support.clock import FakeClock

PEPPER = b"unit-pepper"
PREFIX = KeySettings(prefix="lk_test").platform_prefix


class MemoryPlatformKeys:
    """The PlatformKeyRepository contract in memory."""

    def __init__(self) -> None:
        self.items: dict[str, PlatformKey] = {}
        self.events: list[AuditEvent] = []

    def create(self, key: PlatformKey, event: AuditEvent) -> None:
        assert key.key_id not in self.items
        self.items[key.key_id] = key
        self.events.append(event)

    def get(self, key_id: str) -> PlatformKey | None:
        return self.items.get(key_id)

    def list(self) -> list[PlatformKey]:
        return list(self.items.values())

    def revoke(self, key: PlatformKey, event: AuditEvent) -> bool:
        if self.items[key.key_id].status is KeyStatus.REVOKED:
            return False
        self.items[key.key_id] = replace(key, status=KeyStatus.REVOKED, revoked_at=event.at)
        self.events.append(event)
        return True


@pytest.fixture
def store() -> MemoryPlatformKeys:
    return MemoryPlatformKeys()


@pytest.fixture
def service(store: MemoryPlatformKeys, clock: FakeClock) -> PlatformKeyService:
    return PlatformKeyService(store, StaticPeppers({1: PEPPER}), KeyFormat(PREFIX), clock)


OPERATOR_ORIGIN = Origin(OPERATOR)


def test_platform_key_token_has_the_platform_prefix_and_a_checksum(
    service: PlatformKeyService,
) -> None:
    issued = service.create("Support desk", False, OPERATOR_ORIGIN)
    assert issued.token.startswith(f"lk_test_platform_{issued.key.key_id}_")
    assert KeyFormat(PREFIX).parse(issued.token) is not None
    assert KeyFormat(PREFIX).parse(issued.token[:-1] + "x") is None


def test_tenant_key_parser_refuses_a_platform_key_offline(service: PlatformKeyService) -> None:
    issued = service.create("Support desk", False, OPERATOR_ORIGIN)
    assert KeyFormat("lk_test").parse(issued.token) is None


def test_only_an_hmac_of_the_secret_is_stored(
    service: PlatformKeyService, store: MemoryPlatformKeys
) -> None:
    issued = service.create("Support desk", False, OPERATOR_ORIGIN)
    secret = issued.token.split("_")[-1][:43]
    stored = store.items[issued.key.key_id]
    assert stored.secret.digest == hash_secret(PEPPER, secret)
    assert secret not in repr(stored)
    assert issued.token not in repr(issued)


def test_a_key_grants_manage_and_a_read_only_key_grants_read(service: PlatformKeyService) -> None:
    manage = service.create("Support desk", False, OPERATOR_ORIGIN)
    read = service.create("Reports", True, OPERATOR_ORIGIN)
    assert manage.key.permissions == (PLATFORM_MANAGE,)
    assert read.key.permissions == (PLATFORM_READ,)


def test_platform_key_authenticates_as_a_platform_actor(service: PlatformKeyService) -> None:
    issued = service.create("Support desk", False, OPERATOR_ORIGIN)
    principal = service.authenticate(issued.token)
    assert principal == PlatformPrincipal(
        platform_actor(issued.key.key_id, "Support desk"), frozenset({PLATFORM_MANAGE})
    )


def test_wrong_secret_or_unknown_or_tenant_token_does_not_authenticate(
    service: PlatformKeyService,
) -> None:
    issued = service.create("Support desk", False, OPERATOR_ORIGIN)
    other, _ = KeyFormat(PREFIX).mint(issued.key.key_id)
    unknown, _ = KeyFormat(PREFIX).mint()
    tenant, _ = KeyFormat("lk_test").mint()
    for token in (other, unknown, tenant, None, ""):
        assert service.authenticate(token) is None


def test_revoked_key_never_authenticates_again_and_revoking_again_changes_nothing(
    service: PlatformKeyService, store: MemoryPlatformKeys, clock: FakeClock
) -> None:
    issued = service.create("Support desk", False, OPERATOR_ORIGIN)
    revoked = service.revoke(issued.key.key_id, OPERATOR_ORIGIN)
    events = len(store.events)
    again = service.revoke(issued.key.key_id, OPERATOR_ORIGIN)
    assert revoked.status is KeyStatus.REVOKED
    assert again.status is KeyStatus.REVOKED
    assert len(store.events) == events
    assert service.authenticate(issued.token) is None


def test_revoking_an_unknown_key_is_not_found(service: PlatformKeyService) -> None:
    with pytest.raises(NotFound):
        service.revoke("AAAAAAAAAAAAAAAA", OPERATOR_ORIGIN)


@pytest.mark.parametrize("name", ["", "x", " " * 5, "n" * 201])
def test_a_bad_name_is_refused_and_nothing_is_stored(
    service: PlatformKeyService, store: MemoryPlatformKeys, name: str
) -> None:
    with pytest.raises(InvalidInput):
        service.create(name, False, OPERATOR_ORIGIN)
    assert store.items == {}
    assert store.events == []


def test_platform_key_events_go_to_the_platform_trail(
    service: PlatformKeyService, store: MemoryPlatformKeys
) -> None:
    issued = service.create("Support desk", True, OPERATOR_ORIGIN)
    service.revoke(issued.key.key_id, OPERATOR_ORIGIN)
    assert [(e.tenant_id, e.action) for e in store.events] == [
        (PLATFORM_TRAIL, "platform_key.created"),
        (PLATFORM_TRAIL, "platform_key.revoked"),
    ]
    assert store.events[0].changes["permissions"] == (None, [PLATFORM_READ])


def test_platform_trail_is_no_tenants_id() -> None:
    from chalicelib.domain.tenants import TENANT_NAME

    assert not TENANT_NAME.fullmatch(PLATFORM_TRAIL)


def test_read_permission_makes_get_calls_only_and_manage_every_call() -> None:
    actor = platform_actor("k", "n")
    read = PlatformPrincipal(actor, frozenset({PLATFORM_READ}))
    manage = PlatformPrincipal(actor, frozenset({PLATFORM_MANAGE}))
    read.require("GET")
    manage.require("GET")
    manage.require("PATCH")
    with pytest.raises(Forbidden):
        read.require("POST")
    assert read.support_permissions() == frozenset({"keys:read"})
    assert manage.support_permissions() == frozenset({"keys:manage"})
    assert PlatformPrincipal(actor, frozenset()).support_permissions() == frozenset()


def test_platform_roles_come_from_settings_and_must_differ() -> None:
    read = PlatformSettings.from_env(
        {"LATCHKEY_PLATFORM_ROLE": "admins", "LATCHKEY_PLATFORM_ROLE_CLAIM": "roles"}
    )
    assert (read.role, read.role_claim) == ("admins", "roles")
    assert PlatformSettings.from_env({}).role == ""
    with pytest.raises(ValueError, match="must differ"):
        PlatformSettings.from_env(
            {"LATCHKEY_PLATFORM_ROLE": "a", "LATCHKEY_PLATFORM_READ_ROLE": "a"}
        )


def test_settings_read_the_platform_block() -> None:
    settings = Settings.from_env(
        {"LATCHKEY_PLATFORM_ROLE": "latchkey-platform-admin", "LATCHKEY_KEY_PREFIX": "acme_live"}
    )
    assert settings.platform.role == "latchkey-platform-admin"
    assert settings.keys.platform_prefix == "acme_live_platform"
