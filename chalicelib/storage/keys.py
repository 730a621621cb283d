"""Key storage: reads, the tenant-scoped list, and every write as a conditional write."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.errors import (
    Conflict,
    IdempotencyInProgress,
    InvalidInput,
    KeyLimitReached,
    NotFound,
)
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.records import (
    Actor,
    ApiKey,
    AuditEvent,
    Claim,
    KeyStatus,
    LeakMark,
    SecretHash,
)
from chalicelib.settings import Settings
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import actor_to, key_from, key_to, tenant_from
from chalicelib.storage.counts import count_in, free_slot, take_slot, uncount_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.idempotency import complete_in
from chalicelib.storage.key_actions import revoke_actions, rotate_actions, set_or_remove
from chalicelib.storage.key_list import KeyFilter, Position, list_keys
from chalicelib.storage.leaks import leak_actions, leak_is_new, recorded_on
from chalicelib.storage.models import KeyModel, TenantModel
from chalicelib.storage.readable import read_one
from chalicelib.storage.sweep import schedule
from chalicelib.storage.transaction import Cancelled, Transaction


class KeyStore:
    """Reads and writes keys; the tenant's counter and the group's count move with them."""

    def __init__(
        self,
        connection: Connection,
        expiry: ExpiryPolicy | None = None,
        audit: AuditWriter | None = None,
    ) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()
        # Where a new or re-expiring key enters the expiry sweep's index.
        self._expiry = expiry or ExpiryPolicy(Settings().expiry_thresholds_days)

    def new_item(self, key: ApiKey) -> KeyModel:
        """The item :meth:`create` writes for ``key`` (the benchmark loads the same)."""
        due = None if key.expires_at is None else self._expiry.first_due(key.expires_at)
        return schedule(key_to(key), due)

    def get_key(self, key_id: str) -> ApiKey | None:
        """One strongly consistent GetItem (the only read a verification makes)."""
        with storage_errors():
            try:
                return read_one(
                    lambda: key_from(KeyModel.get(key_id, consistent_read=True)), "key", key_id
                )
            except DoesNotExist:
                return None

    def get_in_tenant(self, tenant_id: str, key_id: str) -> ApiKey:
        """The key if it belongs to ``tenant_id``; another tenant's key is simply not found."""
        key = self.get_key(key_id)
        if key is None or key.tenant_id != tenant_id:
            raise NotFound("no key with this id")
        return key

    def create(
        self, key: ApiKey, event: AuditEvent | None = None, claim: Claim | None = None
    ) -> None:
        """Insert ``key``, take a slot of its tenant's limit and count it in its group.

        With ``claim``, the Idempotency-Key record is completed in the same transaction.
        """
        tx = Transaction(self._connection)
        tx.save("key", self.new_item(key), KeyModel.key_id.does_not_exist())
        take_slot(tx, key.tenant_id)
        count_in(tx, "group", key.tenant_id, key.group_id)
        self._finish(tx, key.key_id, event, claim)
        try:
            tx.commit()
        except Cancelled as cancelled:
            self._explain_create_failure(cancelled, key.tenant_id)

    def _finish(
        self, tx: Transaction, key_id: str, event: AuditEvent | None, claim: Claim | None
    ) -> None:
        self._audit.add(tx, event)
        if claim is not None:
            complete_in(tx, claim, key_id)

    def _explain_create_failure(self, cancelled: Cancelled, tenant_id: str) -> None:
        _explain_claim(cancelled)
        if "group" in cancelled.failed:
            raise _no_group() from None
        if "tenant" in cancelled.failed:
            with storage_errors():
                tenant = read_one(
                    lambda: tenant_from(TenantModel.get(tenant_id, consistent_read=True)),
                    "tenant",
                    tenant_id,
                )
            raise KeyLimitReached(
                "the tenant has as many keys as its limit allows",
                used=tenant.keys_used,
                limit=tenant.key_limit,
            ) from None
        raise cancelled

    def list_keys(
        self, tenant_id: str, wanted: KeyFilter, limit: int, after: Position | None
    ) -> tuple[list[ApiKey], Position | None]:
        """Up to ``limit`` keys, newest first, and where the next page starts (if any)."""
        return list_keys(tenant_id, wanted, limit, after)

    def update(
        self,
        key: ApiKey,
        changes: dict[str, Any],
        now: datetime,
        event: AuditEvent | None = None,
    ) -> ApiKey:
        """Edit an active key's metadata; moving group moves its count in one transaction."""
        new_group = changes.get("group_id", key.group_id)
        for gone in (False, True):
            tx = Transaction(self._connection)
            tx.update(
                "key",
                KeyModel(key.key_id),
                [*set_or_remove(changes), KeyModel.updated_at.set(now)],
                (KeyModel.status == KeyStatus.ACTIVE.value) & (KeyModel.group_id == key.group_id),
            )
            if new_group != key.group_id:
                uncount_from(tx, "old group", key.tenant_id, key.group_id, gone)
                count_in(tx, "group", key.tenant_id, new_group)
            self._audit.add(tx, event)
            try:
                tx.commit()
                break
            except Cancelled as cancelled:
                if "key" in cancelled.failed:
                    raise Conflict("the key changed meanwhile; read it and retry") from None
                if "group" in cancelled.failed:
                    raise _no_group() from None
                if gone or "old group" not in cancelled.failed:
                    raise
        # Built from what was written, not read back: a failed read after the commit must
        # not answer 503 for a change that was made.
        written: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in changes.items()
        }
        written["description"] = written.get("description", key.description) or ""
        return replace(key, **written, updated_at=now)

    def rotate(
        self,
        key: ApiKey,
        current: SecretHash,
        previous: SecretHash | None,
        expires_at: datetime | None,
        now: datetime,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> bool:
        """Swap in a new secret if the key is still active, unexpired and unrotated since read.

        Moves no counter: only an active, unexpired key (one that holds its slot) rotates.
        Returns False when that condition failed (the caller reads why). With ``claim``,
        the Idempotency-Key record is completed in the same transaction.
        """
        due = None if expires_at is None else self._expiry.first_due(expires_at)
        tx = Transaction(self._connection)
        tx.update(
            "key",
            KeyModel(key.key_id),
            rotate_actions(key.key_id, current, previous, now, expires_at, due),
            (KeyModel.status == KeyStatus.ACTIVE.value)
            & (KeyModel.secret_hash == key.current_secret.digest)
            & (KeyModel.expires_at.does_not_exist() | (KeyModel.expires_at > now)),
        )
        self._finish(tx, key.key_id, event, claim)
        try:
            tx.commit()
        except Cancelled as cancelled:
            _explain_claim(cancelled)
            if "key" in cancelled.failed:
                return False
            raise
        return True

    def revoke(
        self,
        key: ApiKey,
        actor: Actor,
        now: datetime,
        event: AuditEvent | None = None,
        leak: LeakMark | None = None,
    ) -> bool:
        """Revoke an active key, free its tenant slot and its group count, in one transaction.

        With ``leak`` (a leaked key under the revoke policy) the same transaction records the
        leak and its audit event, and happens only while the leak is not recorded yet.
        Returns False when the key was no longer active (revoked meanwhile), or the leak
        was recorded meanwhile.
        """
        # The expiry sweep may clear ``counted``, or an edit move the key to another group,
        # between our read and our write; then the write fails its condition on the key,
        # and a fresh read decides again.
        for _ in range(3):
            done = self._revoke_as_read(key.key_id, actor, now, event, leak)
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
        # Each counter below was computed from these three values as read.
        condition = (
            (KeyModel.status == KeyStatus.ACTIVE.value)
            & (KeyModel.counted == counted)
            & (KeyModel.group_id == item.group_id)
        )
        actions = revoke_actions(actor_to(actor), now)
        if leak is not None:
            # Leaked keys: only while this leak is not recorded yet, and recorded with it.
            condition &= leak_is_new(leak)
            actions += leak_actions(leak)
        for gone in (False, True):
            tx = Transaction(self._connection)
            tx.update("key", KeyModel(key_id), actions, condition)
            if counted:
                free_slot(tx, item.tenant_id)
            uncount_from(tx, "group", item.tenant_id, item.group_id, gone)
            if leak is not None:
                self._audit.add(tx, leak.event)
            self._audit.add(tx, event)
            try:
                tx.commit()
                return True
            except Cancelled as cancelled:
                if "key" in cancelled.failed:
                    return None
                if gone or "group" not in cancelled.failed:
                    raise
        raise AssertionError("unreachable: the second attempt returns or raises")


def _no_group() -> InvalidInput:
    return InvalidInput(
        "the group does not exist",
        errors=[{"field": "group_id", "message": "no group with this id"}],
    )


def _explain_claim(cancelled: Cancelled) -> None:
    if "claim" in cancelled.failed:
        raise IdempotencyInProgress(
            "another request with this Idempotency-Key took it over; nothing was changed"
        ) from None
