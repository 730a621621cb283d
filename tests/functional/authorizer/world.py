"""The authorizer tests' world: a tenant with one group and a key in each state, and the
ways a test asks the authorizer for a decision."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pytest

from chalicelib.authorizer.handler import Unauthorized, authorize
from chalicelib.authorizer.runtime import Runtime, build_runtime
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.records import ApiKey, Group
from chalicelib.domain.tenants import OPERATOR
from chalicelib.wiring.services import Services
from tests.support.clock import FakeClock, FakeMonotonic
from tests.support.events import Shape, event_for
from tests.support.iam import iam_allows

TENANT = "acme"
INSIDE = "10.1.2.3"  # in ALLOWLIST
OUTSIDE = "203.0.113.9"  # in no allowlist
ALLOWLIST = ("10.0.0.0/8", "2001:db8::/32")
ORDERS = ("GET /orders/*", "POST /orders")
PERMISSIONS = ("orders:read", "orders:write")
ALLOWED = ("GET", "/orders/7")
FORBIDDEN = ("DELETE", "/orders/7")


def secret_of(token: str | None) -> str | None:
    """The 43-character secret of a well-formed token (None for anything else)."""
    parsed = KeyFormat("lk_test").parse(token)
    return None if parsed is None else parsed.secret


@dataclass
class World:
    """A tenant with one group and a key in each state, over moto."""

    services: Services
    clock: FakeClock
    group: Group
    issued: dict[str, Issued] = field(default_factory=dict)
    warm: dict[Shape, Runtime] = field(default_factory=dict)

    def key(self, name: str) -> ApiKey:
        return self.issued[name].key

    def token(self, name: str) -> str:
        return self.issued[name].token

    def runtime(
        self, shape: Shape = Shape.REST_REQUEST, key_cache_seconds: float | None = None
    ) -> Runtime:
        """A fresh container's runtime; simple responses when ``shape`` asks for them, and
        the key cache's time when given (0 turns it off)."""
        settings = replace(self.services.settings, simple_responses=shape is Shape.HTTP_SIMPLE)
        if key_cache_seconds is not None:
            scale = replace(settings.scale, key_cache_seconds=key_cache_seconds)
            settings = replace(settings, scale=scale)
        return build_runtime(settings, self.clock)

    def warm_runtime(self, shape: Shape) -> Runtime:
        """One runtime per shape, kept like a warm container's (botocore clients are slow
        to build, and a warm container is what most requests meet)."""
        if shape not in self.warm:
            self.warm[shape] = self.runtime(shape)
        return self.warm[shape]

    def add_group(self, name: str, routes: tuple[str, ...]) -> Group:
        draft = GroupDraft(name, "", PERMISSIONS, routes)
        return self.services.groups.create(TENANT, draft)

    def add_key(
        self,
        name: str,
        group: Group | None = None,
        expires_at: datetime | None = None,
        ip_allowlist: tuple[str, ...] = (),
    ) -> Issued:
        group_id = (group or self.group).group_id
        draft = KeyDraft(name, "", group_id, expires_at, ip_allowlist)
        self.issued[name] = self.services.keys.create(TENANT, OPERATOR, draft)
        return self.issued[name]

    def revoke(self, name: str) -> None:
        self.services.keys.revoke(TENANT, self.key(name).key_id, OPERATOR)

    def secrets(self) -> list[str]:
        return [secret for issued in self.issued.values() if (secret := secret_of(issued.token))]


def allowed_context(key: ApiKey, group: Group) -> dict[str, str]:
    """The context an Allow hands the downstream API for ``key`` of ``group``."""
    return {
        "tenant_id": TENANT,
        "key_id": key.key_id,
        "key_name": key.name,
        "group_id": group.group_id,
        "permissions": "orders:read,orders:write",
        "expires_at": "",
    }


def decide(runtime: Runtime, token: str, route: tuple[str, str] = ALLOWED) -> bool:
    """Whether API Gateway lets ``route`` through for this REST REQUEST (False if 401)."""
    event = event_for(Shape.REST_REQUEST, token, route, OUTSIDE)
    try:
        return iam_allows(authorize(event, runtime), Shape.REST_REQUEST.method_arn(*route))
    except Unauthorized:
        return False


def decide_or_raise(runtime: Runtime, token: str, route: tuple[str, str]) -> bool:
    """Like ``decide``, but Unauthorized propagates."""
    event = event_for(Shape.REST_REQUEST, token, route, OUTSIDE)
    return iam_allows(authorize(event, runtime), Shape.REST_REQUEST.method_arn(*route))


def capture_all(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every record at DEBUG: botocore's requests and responses, and the
    authorizer's own lines (which must not live under Chalice's "latchkey" app logger)."""
    caplog.set_level(logging.DEBUG)


def damaged(token: str) -> str:
    """The token with its last checksum character changed."""
    return token[:-1] + ("0" if token[-1] != "0" else "1")


def statement(effect: str, resources: list[str]) -> dict[str, Any]:
    """One IAM policy statement as the authorizer writes it."""
    return {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resources}


def runtime_with_monotonic(world: World, monotonic: FakeMonotonic) -> Runtime:
    """A container whose caches (keys, groups) age by ``monotonic``."""
    return build_runtime(world.services.settings, world.clock, monotonic=monotonic)
