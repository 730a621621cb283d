"""A key's revocation as one transaction: the key, its tenant slot, its group count, its events.

The write is conditioned on the key as read just before it (status, ``counted``, group):
each counter move below was computed from those values, so a change in between fails the
key's condition and a fresh read decides again.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chalicelib.domain.errors import Conflict
from chalicelib.domain.records import Actor, AuditEvent, KeyStatus, LeakMark
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import actor_to
from chalicelib.storage.counter_moves import free_slot, uncount_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.key_actions import revoke_actions
from chalicelib.storage.key_index import list_attributes, set_actions
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.leaks import leak_actions, leak_is_new, recorded_on
from chalicelib.storage.managers import WITNESS, Guard, TenantGroups, key_leaves
from chalicelib.storage.transaction import Cancelled, Transaction

# A fresh read after a lost condition almost always wins the next attempt; three lost in a
# row means something keeps changing the key, and the caller is told to retry.
ATTEMPTS = 3


class Revocation:
    """Revokes keys over one connection, each revocation with its audit event(s)."""

    def __init__(self, connection: Connection, audit: AuditWriter) -> None:
        self._connection = connection
        self._audit = audit

    def revoke(
        self,
        key_id: str,
        actor: Actor,
        now: datetime,
        event: AuditEvent | None = None,
        leak: LeakMark | None = None,
    ) -> bool:
        """Revoke the key if active (and, with ``leak``, the leak is new); False otherwise."""
        # The expiry sweep may clear ``counted``, or an edit move the key to another group,
        # between our read and our write; then the write fails its condition on the key,
        # and a fresh read decides again.
        for _ in range(ATTEMPTS):
            done = self._revoke_as_read(key_id, actor, now, event, leak)
            if done is not None:
                return done
        raise Conflict("a concurrent change won; retry")

    def _revoke_as_read(
        self,
        key_id: str,
        actor: Actor,
        now: datetime,
        event: AuditEvent | None,
        leak: LeakMark | None = None,
    ) -> bool | None:
        """Revoke the key as it is now, or None if it changed before the write."""
        with storage_errors():
            item = KeyModel.get(key_id, consistent_read=True)
        if item.status != KeyStatus.ACTIVE.value:
            return False
        if leak is not None and recorded_on(item, leak):
            return False
        counted = bool(item.counted)
        condition, actions = _write_of(item, actor, now, leak)
        # A leaked key is revoked even when it was the last manager: its secret is public.
        guard = (
            Guard() if leak is not None else key_leaves(TenantGroups(item.tenant_id), item.group_id)
        )
        for gone in (False, True):
            tx = Transaction(self._connection)
            tx.update("key", KeyModel(key_id), actions, condition)
            if counted:
                free_slot(tx, item.tenant_id)
            uncount_from(
                tx, "group", item.tenant_id, item.group_id, gone, None if gone else guard.condition
            )
            guard.add_witness(tx)
            if leak is not None:
                self._audit.add(tx, leak.event)
            self._audit.add(tx, event)
            try:
                tx.commit()
                return True
            except Cancelled as cancelled:
                if {"key", WITNESS} & cancelled.failed:
                    return None
                if gone or "group" not in cancelled.failed:
                    raise
                if guard.condition is not None:
                    return None  # the group was judged as read and has changed: read again
        raise AssertionError("unreachable: the second attempt returns or raises")


def _write_of(
    item: KeyModel, actor: Actor, now: datetime, leak: LeakMark | None
) -> tuple[Condition, list[Action]]:
    """The key item's condition (its state as read) and the actions that revoke it."""
    counted = bool(item.counted)
    # Each counter below was computed from these three values as read.
    condition = (
        (KeyModel.status == KeyStatus.ACTIVE.value)
        & (KeyModel.counted == counted)
        & (KeyModel.group_id == item.group_id)
    )
    actions = revoke_actions(actor_to(actor), now)
    leaked_at: datetime | None = item.leaked_at  # the stubs type it as never None
    if leak is not None:
        # Leaked keys: only while this leak is not recorded yet, and recorded with it.
        condition &= leak_is_new(leak)
        actions += leak_actions(leak)
    else:
        # Key lists: the facet below names the leak state as read, so it must still hold.
        reported = KeyModel.leaked_at
        condition &= reported.exists() if leaked_at is not None else reported.does_not_exist()
    placed = list_attributes(
        item.tenant_id,
        item.key_id,
        KeyStatus.REVOKED.value,
        leak is not None or leaked_at is not None,
        item.expires_at,
        item.created_at,
    )
    actions += set_actions(placed, "list_facet")
    return condition, actions
