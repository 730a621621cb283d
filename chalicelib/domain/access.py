"""The full access decision: the key's verification, then its group's routes.

The authorizer and ``POST /v1/verify`` both call :meth:`AccessControl.decide`, so they can
never disagree. The key comes from the verifier (in the authorizer, through a short
per-container key cache: chalicelib/domain/key_cache.py); its group from a per-container
cache (``GroupCache``), so a valid key costs at most one read. Standard library only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chalicelib.domain.cache import TtlCache
from chalicelib.domain.paths import is_canonical
from chalicelib.domain.records import ApiKey, Group
from chalicelib.domain.routes import route_allowed
from chalicelib.domain.usage import UsageRecorder
from chalicelib.domain.verification import Outcome, Verifier

Route = tuple[str, str]  # (METHOD, /path)


@dataclass(frozen=True)
class Access:
    """What was decided, for which key (once proven) and under which group."""

    outcome: Outcome
    key: ApiKey | None = None
    group: Group | None = None

    @property
    def valid(self) -> bool:
        return self.outcome is Outcome.VALID


class GroupSource(Protocol):
    def get_group(self, tenant_id: str, group_id: str) -> Group | None:
        """The group, or None when it does not exist."""
        ...


class GroupCache:
    """Groups kept per container for ``ttl`` seconds, at most ``size`` of them.

    A change to a group's routes or permissions reaches the authorizer within ``ttl``
    seconds (LATCHKEY_GROUP_CACHE_SECONDS). Expired entries are freed and the least
    recently used goes past ``size`` (LATCHKEY_GROUP_CACHE_ENTRIES), so memory stays bounded.
    """

    def __init__(
        self,
        source: GroupSource,
        ttl: float,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        size: int,
    ) -> None:
        self._source = source
        self._entries: TtlCache[tuple[str, str], Group | None] = TtlCache(ttl, size, monotonic)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, tenant_id: str, group_id: str) -> Group | None:
        return self._entries.get(
            (tenant_id, group_id), lambda: self._source.get_group(tenant_id, group_id)
        )


def _route_outcome(group: Group | None, route: Route | None) -> Outcome:
    if route is not None and not is_canonical(route[1]):
        return Outcome.PATH_NOT_CANONICAL
    if group is None or (route is not None and not route_allowed(group.routes, *route)):
        return Outcome.ROUTE_NOT_ALLOWED
    return Outcome.VALID


class AccessControl:
    """Verifies a key, checks its group's routes, and counts the decision."""

    def __init__(self, verifier: Verifier, groups: GroupCache, usage: UsageRecorder) -> None:
        self._verifier = verifier
        self._groups = groups
        self._usage = usage

    def decide(self, token: str | None, source_ip: str | None, route: Route | None) -> Access:
        """Decide for ``route`` (or for any route, when None)."""
        decision = self._verifier.verify(token, source_ip)
        key = decision.key
        if key is None:
            return Access(decision.outcome)
        if not decision.valid:
            access = Access(decision.outcome, key)
        else:
            group = self._groups.get(key.tenant_id, key.group_id)
            access = Access(_route_outcome(group, route), key, group)
        self._usage.record(key, access.valid)
        return access

    def flush_usage(self, access: Access) -> None:
        """Write the decided key's usage if due; called once the answer is ready."""
        if access.key is not None:
            self._usage.flush_due(access.key.key_id)
