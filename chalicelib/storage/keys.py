"""Key storage: reads, the tenant-scoped list, and every write as a conditional write."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict, InvalidInput, KeyLimitReached, NotFound
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.records import Actor, ApiKey, AuditEvent, KeyStatus, LeakMark, SecretHash
from chalicelib.settings import Settings
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import actor_to, key_from, key_to
from chalicelib.storage.errors import failed_items, storage_errors
from chalicelib.storage.key_list import KeyFilter, Position, list_keys
from chalicelib.storage.leaks import leak_actions, leak_is_new, recorded_on
from chalicelib.storage.models import GroupModel, KeyModel, TenantModel
from chalicelib.storage.sweep import due_actions, schedule


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
                return key_from(KeyModel.get(key_id, consistent_read=True))
            except DoesNotExist:
                return None

    def get_in_tenant(self, tenant_id: str, key_id: str) -> ApiKey:
        """The key if it belongs to ``tenant_id``; another tenant's key is simply not found."""
        key = self.get_key(key_id)
        if key is None or key.tenant_id != tenant_id:
            raise NotFound("no key with this id")
        return key

    def create(self, key: ApiKey, event: AuditEvent | None = None) -> None:
        """Insert ``key``, take a slot of its tenant's limit and count it in its group."""
        with storage_errors():
            try:
                with TransactWrite(connection=self._connection) as tx:
                    tx.save(self.new_item(key), condition=KeyModel.key_id.does_not_exist())
                    tx.update(
                        TenantModel(key.tenant_id),
                        actions=[TenantModel.keys_used.add(1)],
                        condition=TenantModel.keys_used < TenantModel.key_limit,
                    )
                    tx.update(
                        GroupModel(key.tenant_id, key.group_id),
                        actions=[GroupModel.key_count.add(1)],
                        condition=GroupModel.group_id.exists(),
                    )
                    self._audit.add(tx, event)
            except TransactWriteError as error:
                self._explain_create_failure(error, key.tenant_id)

    def _explain_create_failure(self, error: TransactWriteError, tenant_id: str) -> None:
        failed = failed_items(error)
        if 2 in failed:
            raise InvalidInput(
                "the group does not exist",
                errors=[{"field": "group_id", "message": "no group with this id"}],
            ) from None
        if 1 in failed:
            tenant = TenantModel.get(tenant_id, consistent_read=True)
            raise KeyLimitReached(
                "the tenant has as many keys as its limit allows",
                used=int(tenant.keys_used),
                limit=int(tenant.key_limit),
            ) from None
        raise Conflict("a concurrent change won; retry") from error

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
        actions = [*_set_or_remove(changes), KeyModel.updated_at.set(now)]
        condition = (KeyModel.status == KeyStatus.ACTIVE.value) & (
            KeyModel.group_id == key.group_id
        )
        new_group = changes.get("group_id", key.group_id)
        with storage_errors():
            try:
                with TransactWrite(connection=self._connection) as tx:
                    tx.update(KeyModel(key.key_id), actions=actions, condition=condition)
                    if new_group != key.group_id:
                        self._move_group(tx, key.tenant_id, key.group_id, new_group)
                    self._audit.add(tx, event)
            except TransactWriteError as error:
                if 2 in failed_items(error):
                    raise InvalidInput(
                        "the group does not exist",
                        errors=[{"field": "group_id", "message": "no group with this id"}],
                    ) from None
                raise Conflict("the key changed meanwhile; read it and retry") from error
        # Built from what was written, not read back: a failed read after the commit must
        # not answer 503 for a change that was made.
        written: dict[str, Any] = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in changes.items()
        }
        written["description"] = written.get("description", key.description) or ""
        return replace(key, **written, updated_at=now)

    @staticmethod
    def _move_group(tx: TransactWrite, tenant_id: str, old: str, new: str) -> None:
        tx.update(GroupModel(tenant_id, old), actions=[GroupModel.key_count.add(-1)])
        tx.update(
            GroupModel(tenant_id, new),
            actions=[GroupModel.key_count.add(1)],
            condition=GroupModel.group_id.exists(),
        )

    def rotate(
        self,
        key: ApiKey,
        current: SecretHash,
        previous: SecretHash | None,
        expires_at: datetime | None,
        now: datetime,
        event: AuditEvent | None = None,
    ) -> bool:
        """Swap in a new secret if the key is still active, unexpired and unrotated since read.

        Returns False when that condition failed (the caller reads why).
        """
        actions: list[Action] = [
            KeyModel.secret_hash.set(current.digest),
            KeyModel.pepper_version.set(current.pepper_version),
            KeyModel.rotated_at.set(now),
            KeyModel.updated_at.set(now),
        ]
        if previous is None:
            actions += [
                KeyModel.previous_secret_hash.remove(),
                KeyModel.previous_pepper_version.remove(),
                KeyModel.previous_valid_until.remove(),
            ]
        else:
            actions += [
                KeyModel.previous_secret_hash.set(previous.digest),
                KeyModel.previous_pepper_version.set(previous.pepper_version),
                KeyModel.previous_valid_until.set(previous.valid_until)
                if previous.valid_until
                else KeyModel.previous_valid_until.remove(),
            ]
        if expires_at is not None:
            # A new expiry starts the warnings over.
            actions.append(KeyModel.expires_at.set(expires_at))
            actions += due_actions(self._expiry.first_due(expires_at))
            actions.append(KeyModel.notified_thresholds.remove())
        condition = (
            (KeyModel.status == KeyStatus.ACTIVE.value)
            & (KeyModel.secret_hash == key.current_secret.digest)
            & (KeyModel.expires_at.does_not_exist() | (KeyModel.expires_at > now))
        )
        return self._audit.update(self._connection, KeyModel(key.key_id), actions, condition, event)

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
        # The expiry sweep may clear ``counted`` between our read and our write; then the
        # write fails its condition on an active key, and a fresh read decides again.
        for _ in range(3):
            done = self._revoke_as_read(key, actor, now, event, leak)
            if done is not None:
                return done
        raise Conflict("a concurrent change won; retry")

    def _revoke_as_read(
        self,
        key: ApiKey,
        actor: Actor,
        now: datetime,
        event: AuditEvent | None,
        leak: LeakMark | None = None,
    ) -> bool | None:
        with storage_errors():
            item = KeyModel.get(key.key_id, consistent_read=True)
            if item.status != KeyStatus.ACTIVE.value:
                return False
            if leak is not None and recorded_on(item, leak):
                return False
            counted = bool(item.counted)
            condition = (KeyModel.status == KeyStatus.ACTIVE.value) & (
                KeyModel.counted == counted
            )
            actions = _revoke_actions(actor, now)
            if leak is not None:
                condition &= leak_is_new(leak)
                actions += leak_actions(leak)
            try:
                with TransactWrite(connection=self._connection) as tx:
                    tx.update(KeyModel(key.key_id), actions=actions, condition=condition)
                    if counted:
                        tx.update(
                            TenantModel(key.tenant_id), actions=[TenantModel.keys_used.add(-1)]
                        )
                    tx.update(
                        GroupModel(key.tenant_id, item.group_id),
                        actions=[GroupModel.key_count.add(-1)],
                    )
                    if leak is not None:
                        self._audit.add(tx, leak.event)
                    self._audit.add(tx, event)
            except TransactWriteError as error:
                if 0 in failed_items(error):
                    return None
                raise Conflict("a concurrent change won; retry") from error
        return True


def _revoke_actions(actor: Actor, now: datetime) -> list[Action]:
    return [
        KeyModel.status.set(KeyStatus.REVOKED.value),
        KeyModel.revoked_at.set(now),
        KeyModel.revoked_by.set(actor_to(actor)),
        KeyModel.updated_at.set(now),
        KeyModel.counted.set(False),
        # A revoked key needs no secret at all, the grace-period one included.
        KeyModel.previous_secret_hash.remove(),
        KeyModel.previous_pepper_version.remove(),
        KeyModel.previous_valid_until.remove(),
        # Nothing left to warn about: out of the expiry sweep's index.
        *due_actions(None),
    ]


def _set_or_remove(changes: dict[str, Any]) -> list[Action]:
    actions: list[Action] = []
    for name, value in changes.items():
        attribute = getattr(KeyModel, name)
        empty = value is None or value == "" or (isinstance(value, list | tuple) and not value)
        if empty:
            actions.append(attribute.remove())
        else:
            actions.append(attribute.set(list(value) if isinstance(value, tuple) else value))
    return actions
