"""A model of one tenant's keys, checked against the real services after every step.

Hypothesis runs random programs of create, edit, rotate (with and without grace),
revoke and clock moves over KeyService and Verifier on moto, and after every step checks
the key lifecycle's invariants: a revoked key never verifies; of all the secrets ever issued,
at most the current one (and the previous one, inside its grace window) verifies; the
tenant never holds more keys than its limit; a key's expiry moves only by rotation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from chalicelib.config.limits import LimitSettings
from chalicelib.domain.edits import KeyEdit
from chalicelib.domain.errors import KeyExpired, KeyLimitReached, KeyRevoked
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.records import Actor
from chalicelib.wiring.services import build_services
from tests.support.clock import FakeClock
from tests.support.moto import MotoAccount
from tests.support.settings import settings_for_tests

LIMIT = 5
TENANT = "acme"
OWNER = Actor(type="system", id="model", name="model test")
# Keeps the model clear of the instant a secret or key expires, where "valid" is a matter
# of which side of one microsecond the clock reads.
MARGIN = timedelta(seconds=1)


@dataclass
class Key:
    """What the model expects of one key."""

    key_id: str
    current: str
    expires_at: datetime | None
    previous: str | None = None
    previous_until: datetime | None = None
    revoked: bool = False

    def live(self, now: datetime) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > now)

    def may_verify(self, token: str, now: datetime) -> bool:
        """At most the current secret, and the previous one inside its grace window."""
        in_grace = self.previous_until is not None and now < self.previous_until
        return self.live(now) and (token == self.current or (token == self.previous and in_grace))

    def must_verify(self, token: str, now: datetime) -> bool:
        """Clear of every boundary: the current secret, or the previous one well in grace."""
        clear = self.expires_at is None or self.expires_at > now + MARGIN
        grace = self.previous_until is not None and now + MARGIN < self.previous_until
        return (
            self.live(now)
            and clear
            and (token == self.current or (token == self.previous and grace))
        )


class KeyLifecycle(RuleBasedStateMachine):
    keys = Bundle("keys")

    account: MotoAccount  # the package's moto, set by the test

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        config = settings_for_tests(limits=LimitSettings(keys_per_tenant=LIMIT))
        self.account.fresh(config)  # each example starts from empty tables
        self.services = build_services(config, self.clock)
        self.services.tenants.create(TENANT, LIMIT)
        draft = GroupDraft("Workers", "", ("keys:read",))
        self.group_id = self.services.groups.create(TENANT, draft).group_id
        self.model: dict[str, Key] = {}
        self.issued: list[tuple[str, str]] = []  # (key id, token) of every secret issued

    def holding(self) -> int:
        """Keys holding a slot: every key not revoked (no sweep runs to free expired ones)."""
        return sum(not key.revoked for key in self.model.values())

    @rule(target=keys, days=st.none() | st.integers(min_value=1, max_value=30))
    def create(self, days: int | None) -> str:
        expires_at = None if days is None else self.clock.now + timedelta(days=days)
        draft = KeyDraft("worker", "", self.group_id, expires_at, ())
        if self.holding() >= LIMIT:
            with pytest.raises(KeyLimitReached):
                self.services.keys.create(TENANT, OWNER, draft)
            return ""
        issued = self.services.keys.create(TENANT, OWNER, draft)
        key_id = issued.key.key_id
        self.model[key_id] = Key(key_id, issued.token, expires_at)
        self.issued.append((key_id, issued.token))
        return key_id

    @rule(
        key_id=keys,
        name=st.text(st.characters(codec="ascii", min_codepoint=33), min_size=1, max_size=20),
    )
    def edit(self, key_id: str, name: str) -> None:
        key = self.model.get(key_id)
        if key is None:
            return
        if key.revoked:
            with pytest.raises(KeyRevoked):
                self.services.keys.update(TENANT, key_id, KeyEdit(name=name))
            return
        assert self.services.keys.update(TENANT, key_id, KeyEdit(name=name)).name == name

    @rule(
        key_id=keys,
        grace=st.sampled_from([0, 60, 3600, 86_400]),
        days=st.none() | st.integers(min_value=1, max_value=60),
    )
    def rotate(self, key_id: str, grace: int, days: int | None) -> None:
        key = self.model.get(key_id)
        if key is None:
            return
        now = self.clock.now
        expires_at = None if days is None else now + timedelta(days=days)
        args = (TENANT, key_id, timedelta(seconds=grace), expires_at)
        if key.revoked or not key.live(now):
            with pytest.raises(KeyRevoked if key.revoked else KeyExpired):
                self.services.keys.rotate(*args)
            return
        issued = self.services.keys.rotate(*args)
        key.previous = key.current if grace else None
        key.previous_until = now + timedelta(seconds=grace) if grace else None
        key.current = issued.token
        key.expires_at = expires_at or key.expires_at
        self.issued.append((key_id, issued.token))

    @rule(key_id=keys)
    def revoke(self, key_id: str) -> None:
        key = self.model.get(key_id)
        if key is None:
            return
        self.services.keys.revoke(TENANT, key_id, OWNER)
        key.revoked = True

    @rule(
        delta=st.sampled_from(
            [{"minutes": 1}, {"minutes": 59}, {"hours": 1}, {"hours": 23}, {"days": 1}, {"days": 7}]
        )
    )
    def advance_clock(self, delta: dict[str, float]) -> None:
        self.clock.advance(**delta)

    @invariant()
    def only_the_secrets_the_model_allows_verify(self) -> None:
        now = self.clock.now
        for key_id, token in self.issued:
            key = self.model[key_id]
            valid = self.services.verifier.verify(token, None).valid
            if valid:
                assert key.may_verify(token, now), "a secret verified that must not"
            assert valid or not key.must_verify(token, now), "a secret that must verify did not"

    @invariant()
    def the_tenant_never_holds_more_keys_than_its_limit(self) -> None:
        used = self.services.tenants.get(TENANT).keys_used
        assert used == self.holding() <= LIMIT

    @invariant()
    def expiry_moves_only_by_rotation(self) -> None:
        for key_id, key in self.model.items():
            assert self.services.keys.get(TENANT, key_id).expires_at == key.expires_at


def test_key_lifecycle_keeps_its_invariants(moto: MotoAccount) -> None:
    class OnThisMoto(KeyLifecycle):
        account = moto

    run_state_machine_as_test(
        OnThisMoto,
        settings=settings(max_examples=20, stateful_step_count=25),
    )
