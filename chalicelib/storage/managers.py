"""The tenant keeps a manager: no edit takes ``keys:manage`` from the tenant's last key.

A manager is an active key in a group that grants ``keys:manage``; a group's ``key_count``
counts its active keys. Every write that may take the permission from keys (revoking a key
or moving it out of a managing group, editing a group's permissions) states, as conditions
of its own transaction, the state it was judged on and a *witness*: a managing group that
still holds a key once the write commits. DynamoDB runs transactions serializably, so two
such writes racing each other (two administrators revoking each other) are judged one after
the other and the second finds its witness gone: the tenant never ends with no manager.

Leaked keys are revoked whatever this says (chalicelib/storage/revocation.py): a public
secret must stop working even when it was the tenant's last manager.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition, Not
from pynamodb.expressions.operand import Path

from chalicelib.domain.edits import UNCHANGED, GroupEdit
from chalicelib.domain.errors import LastManager
from chalicelib.domain.permissions import MANAGE
from chalicelib.domain.records import Group
from chalicelib.storage.convert import group_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import GroupModel
from chalicelib.storage.readable import UNREADABLE, read_all
from chalicelib.storage.transaction import Transaction

WITNESS = "manager"  # the transaction item that proves a manager remains
LAST_KEY = (
    "this is the tenant's last key with keys:manage: revoking it or moving it out of its "
    "group would leave no one able to manage keys; give another key keys:manage first"
)
LAST_GROUP = (
    "this group holds the tenant's last keys with keys:manage: taking the permission away "
    "would leave no one able to manage keys; give another group with keys keys:manage first"
)


def manages() -> Condition:
    """The group grants ``keys:manage`` (DynamoDB's ``contains`` on a list)."""
    # A ListAttribute reads as Any on the class; its Path is typed.
    return Path(GroupModel.permissions).contains(MANAGE)


def does_not_manage() -> Condition:
    return Not(manages())


@dataclass(frozen=True)
class Guard:
    """What a write adds to its transaction to keep a manager: a condition on the group
    it changes (the state it was judged on) and, when needed, a witness group to check."""

    condition: Condition | None = None
    witness: Group | None = None

    def add_witness(self, tx: Transaction) -> None:
        if self.witness is not None:
            holds_a_key = GroupModel.key_count >= 1
            group = self.witness
            tx.check(WITNESS, GroupModel, group.tenant_id, group.group_id, manages() & holds_a_key)


class GroupView(Protocol):
    """The tenant's groups as a guard judges them."""

    def get(self, group_id: str) -> Group | None:
        """The group, or None when there is none (or its item cannot be read)."""
        ...

    def witness(self, besides: str) -> Group | None:
        """A managing group other than ``besides`` that holds a key, if any."""
        ...


class TenantGroups:
    """A tenant's groups, read strongly consistent as the guards ask: one GetItem per group
    named, and the whole list (one Query, bounded by the tenant's group limit) only when a
    witness must be found, that is, only when a managing group's last key is at stake."""

    def __init__(self, tenant_id: str) -> None:
        self._tenant_id = tenant_id
        self._read: dict[str, Group | None] = {}  # one judgement reads each group once

    def get(self, group_id: str) -> Group | None:
        if group_id not in self._read:
            self._read[group_id] = self._fetch(group_id)
        return self._read[group_id]

    def _fetch(self, group_id: str) -> Group | None:
        with storage_errors():
            try:
                return group_from(GroupModel.get(self._tenant_id, group_id, consistent_read=True))
            except (DoesNotExist, *UNREADABLE):
                return None  # as read_all does: an unreadable item is no group to judge by

    def witness(self, besides: str) -> Group | None:
        with storage_errors():
            items = GroupModel.query(self._tenant_id, consistent_read=True)
            for group in read_all(group_from, items, "group", self._tenant_id):
                if group.group_id != besides and _grants(group) and group.key_count >= 1:
                    return group
        return None


def _grants(group: Group | None) -> bool:
    return group is not None and MANAGE in group.permissions


def key_leaves(groups: GroupView, group_id: str) -> Guard:
    """The guard on ``group_id``'s count when one of its keys is revoked or moves to a group
    that does not manage. LastManager when the key is the tenant's last manager."""
    group = groups.get(group_id)
    if group is None:
        return Guard()  # a key outside any group manages nothing (uncount_from proves it)
    if not _grants(group):
        # Judged on "this group does not manage": a grant meanwhile must fail the write.
        return Guard(does_not_manage())
    if group.key_count >= 2:
        # Another key of the same group stays: the decrement itself proves it.
        return Guard(manages() & (GroupModel.key_count >= 2))
    witness = groups.witness(group_id)
    if witness is None:
        raise LastManager(LAST_KEY)
    return Guard(None, witness)


def key_joins(groups: GroupView, group_id: str) -> Condition | None:
    """The condition on the group a key moves into: it manages as read, or None (then the
    move is judged as the key leaving management: :func:`key_leaves`)."""
    return manages() if _grants(groups.get(group_id)) else None


def group_edited(groups: GroupView, group_id: str, edit: GroupEdit) -> Guard:
    """The guard on a group whose permissions an edit sets without ``keys:manage``."""
    group = groups.get(group_id)
    if edit.permissions is UNCHANGED or MANAGE in edit.permissions or group is None:
        return Guard()
    if not _grants(group):
        return Guard(does_not_manage())
    if group.key_count <= 0:
        # No key loses anything, as long as no key joins before the write.
        return Guard(GroupModel.key_count.does_not_exist() | (GroupModel.key_count <= 0))
    witness = groups.witness(group_id)
    if witness is None:
        raise LastManager(LAST_GROUP)
    return Guard(manages(), witness)
