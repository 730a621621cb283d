"""Who a platform principal is, what it may do, and where its actions are recorded."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.groups import MANAGE, READ
from chalicelib.domain.records import Actor

PLATFORM_MANAGE = "platform:manage"
PLATFORM_READ = "platform:read"
PERMISSIONS = (PLATFORM_MANAGE, PLATFORM_READ)
# The actor type of every platform principal, in the platform trail and in a tenant's own
# trail when support acted there.
PLATFORM_ACTOR = "platform"
# The audit partition of the platform trail. A tenant id never holds "#"
# (chalicelib/domain/tenants.py), so no tenant can own or read this trail.
PLATFORM_TRAIL = "#platform"


@dataclass(frozen=True)
class PlatformPrincipal:
    """An authenticated platform key or platform person, and its platform permissions."""

    actor: Actor
    permissions: frozenset[str]

    def require(self, method: str) -> None:
        """``platform:read`` makes GET calls only; ``platform:manage`` makes every call."""
        if PLATFORM_MANAGE in self.permissions:
            return
        if method == "GET" and PLATFORM_READ in self.permissions:
            return
        needed = PLATFORM_READ if method == "GET" else PLATFORM_MANAGE
        raise Forbidden(f"this platform credential does not grant {needed}")

    def support_permissions(self) -> frozenset[str]:
        """What it may do in a tenant in support mode: manage, or only read."""
        if PLATFORM_MANAGE in self.permissions:
            return frozenset({MANAGE})
        if PLATFORM_READ in self.permissions:
            return frozenset({READ})
        return frozenset()


def platform_actor(actor_id: str, name: str) -> Actor:
    return Actor(type=PLATFORM_ACTOR, id=actor_id, name=name)
