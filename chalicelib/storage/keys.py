"""Key storage: reads, the tenant-scoped list, and every write as a conditional write."""

from __future__ import annotations

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist

from chalicelib.domain.edits import UNCHANGED, KeyEdit
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.key_query import KeyFilter, KeyListPosition
from chalicelib.domain.ports import NewExpiry
from chalicelib.domain.records import (
    Actor,
    ApiKey,
    AuditEvent,
    Claim,
    KeyStatus,
    LeakMark,
    SecretHash,
)
from chalicelib.storage import refusals
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import key_from, key_to
from chalicelib.storage.counter_moves import count_in, take_slot, uncount_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.idempotency import complete_in
from chalicelib.storage.key_actions import edit_actions, rotate_actions
from chalicelib.storage.key_index import list_attributes, place, set_actions
from chalicelib.storage.key_list import list_keys
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.managers import WITNESS, Guard, TenantGroups, key_joins, key_leaves
from chalicelib.storage.readable import read_one
from chalicelib.storage.revocation import ATTEMPTS, Revocation
from chalicelib.storage.sweep import schedule
from chalicelib.storage.transaction import Cancelled, Transaction


class KeyStore:
    """Reads and writes keys; the tenant's counter and the group's count move with them."""

    def __init__(self, connection: Connection, audit: AuditWriter | None = None) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()
        self._revocation = Revocation(connection, self._audit)

    @staticmethod
    def new_item(key: ApiKey, sweep_due: datetime | None) -> KeyModel:
        """The item :meth:`create` writes for ``key`` (the benchmark loads the same)."""
        return place(schedule(key_to(key), sweep_due))

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
        self,
        key: ApiKey,
        sweep_due: datetime | None,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> None:
        """Insert ``key``, take a slot of its tenant's limit and count it in its group.

        The key enters the expiry sweep's index at ``sweep_due`` (None: never). With
        ``claim``, the Idempotency-Key record is completed in the same transaction.
        """
        tx = Transaction(self._connection)
        tx.save("key", self.new_item(key, sweep_due), KeyModel.key_id.does_not_exist())
        take_slot(tx, key.tenant_id)
        count_in(tx, "group", key.tenant_id, key.group_id)
        self._finish(tx, key.key_id, event, claim)
        try:
            tx.commit()
        except Cancelled as cancelled:
            refusals.explain_create(cancelled, key.tenant_id)

    def _finish(
        self, tx: Transaction, key_id: str, event: AuditEvent | None, claim: Claim | None
    ) -> None:
        self._audit.add(tx, event)
        if claim is not None:
            complete_in(tx, claim, key_id)

    def list_keys(
        self, tenant_id: str, wanted: KeyFilter, limit: int, after: KeyListPosition | None
    ) -> tuple[list[ApiKey], KeyListPosition | None]:
        """Up to ``limit`` keys, newest first, and where the next page starts (if any)."""
        return list_keys(tenant_id, wanted, limit, after)

    def update(
        self,
        key: ApiKey,
        edit: KeyEdit,
        now: datetime,
        event: AuditEvent | None = None,
    ) -> ApiKey:
        """Edit an active key's metadata; moving group moves its count in one transaction.

        A move out of a managing group keeps the tenant a manager (storage/managers.py):
        LastManager when the key is the last one.
        """
        for _ in range(ATTEMPTS):
            if self._update_as_read(key, edit, now, event):
                # Built from what was written, not read back: a failed read after the
                # commit must not answer 503 for a change that was made.
                return edit.applied(key, now)
        raise Conflict("the groups changed meanwhile; try again")

    def _update_as_read(
        self, key: ApiKey, edit: KeyEdit, now: datetime, event: AuditEvent | None
    ) -> bool:
        """Write the edit, judged on the groups as read now; False when they changed."""
        new_group = key.group_id if edit.group_id is UNCHANGED else edit.group_id
        tx = Transaction(self._connection)
        tx.update(
            "key",
            KeyModel(key.key_id),
            [*edit_actions(edit), KeyModel.updated_at.set(now)],
            (KeyModel.status == KeyStatus.ACTIVE.value) & (KeyModel.group_id == key.group_id),
        )
        guarded = new_group != key.group_id
        if guarded:
            groups = TenantGroups(key.tenant_id)
            if groups.get(new_group) is None:
                raise refusals.no_group()
            joins = key_joins(groups, new_group)
            leaves = Guard() if joins is not None else key_leaves(groups, key.group_id)
            gone = groups.get(key.group_id) is None
            uncount_from(tx, "old group", key.tenant_id, key.group_id, gone, leaves.condition)
            count_in(tx, "group", key.tenant_id, new_group, joins)
            leaves.add_witness(tx)
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "key" in cancelled.failed:
                raise Conflict("the key changed meanwhile; read it and retry") from None
            if guarded and {"group", "old group", WITNESS} & cancelled.failed:
                return False  # a group changed since read: read them again
            raise
        return True

    def rotate(
        self,
        key: ApiKey,
        current: SecretHash,
        previous: SecretHash | None,
        expiry: NewExpiry | None,
        now: datetime,
        event: AuditEvent | None = None,
        claim: Claim | None = None,
    ) -> bool:
        """Swap in a new secret if the key is still active, unexpired and unrotated since read.

        Moves no counter: only an active, unexpired key (one that holds its slot) rotates.
        Returns False when that condition failed (the caller reads why). With ``claim``,
        the Idempotency-Key record is completed in the same transaction.
        """
        actions = rotate_actions(key.key_id, current, previous, now, expiry)
        if expiry is not None:
            # Key lists: a new expiry moves the key in list-expiry-index (and only that).
            placed = list_attributes(
                key.tenant_id,
                key.key_id,
                KeyStatus.ACTIVE.value,
                key.leak is not None,
                expiry.expires_at,
                key.created_at,
            )
            actions += set_actions(placed, "expiry_sort")
        tx = Transaction(self._connection)
        tx.update(
            "key",
            KeyModel(key.key_id),
            actions,
            (KeyModel.status == KeyStatus.ACTIVE.value)
            & (KeyModel.secret_hash == key.current_secret.digest)
            & (KeyModel.expires_at.does_not_exist() | (KeyModel.expires_at > now)),
        )
        self._finish(tx, key.key_id, event, claim)
        try:
            tx.commit()
        except Cancelled as cancelled:
            refusals.explain_claim(cancelled)
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
        return self._revocation.revoke(key.key_id, actor, now, event, leak)
