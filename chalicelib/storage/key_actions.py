"""The update actions of each key write: an edit, a rotation, a revocation.

Each edited field is mapped to its attribute here, by name: an HTTP field name never
becomes an attribute name on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.expressions.update import Action

from chalicelib.domain.edits import UNCHANGED, KeyEdit, Unchanged
from chalicelib.domain.ports import NewExpiry
from chalicelib.domain.records import KeyStatus, SecretHash
from chalicelib.storage.attributes import ActorAttribute
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.sweep_index import due_actions, leave_index


def edit_actions(edit: KeyEdit) -> list[Action]:
    """SET each field the edit sends, or REMOVE it when the edit empties it."""
    return [
        action
        for action in (
            set_or_remove(KeyModel.name, edit.name),
            set_or_remove(KeyModel.description, edit.description),
            set_or_remove(KeyModel.group_id, edit.group_id),
            set_or_remove(KeyModel.ip_allowlist, edit.ip_allowlist),
        )
        if action is not None
    ]


def set_or_remove(
    attribute: Attribute[Any], value: str | tuple[str, ...] | Unchanged | None
) -> Action | None:
    """SET ``value``, REMOVE an empty one (None, "", no items), nothing when unchanged."""
    if value is UNCHANGED:
        return None
    if not value:
        return attribute.remove()
    return attribute.set(list(value) if isinstance(value, tuple) else value)


def rotate_actions(
    key_id: str,
    current: SecretHash,
    previous: SecretHash | None,
    now: datetime,
    expiry: NewExpiry | None,
) -> list[Action]:
    """The new secret, the previous one for its grace period (if any), a new expiry."""
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
    if expiry is not None:
        # A new expiry starts the warnings over, from its first due threshold.
        actions.append(KeyModel.expires_at.set(expiry.expires_at))
        actions += due_actions(key_id, expiry.sweep_due)
        actions.append(KeyModel.notified_thresholds.remove())
    return actions


def revoke_actions(actor: ActorAttribute, now: datetime) -> list[Action]:
    """Revoked for good: no slot, no secret kept for a grace period, nothing to warn about."""
    return [
        KeyModel.status.set(KeyStatus.REVOKED.value),
        KeyModel.revoked_at.set(now),
        KeyModel.revoked_by.set(actor),
        KeyModel.updated_at.set(now),
        KeyModel.counted.set(False),
        # A revoked key needs no secret at all, the grace-period one included.
        KeyModel.previous_secret_hash.remove(),
        KeyModel.previous_pepper_version.remove(),
        KeyModel.previous_valid_until.remove(),
        # Nothing left to warn about: out of the expiry sweep's index.
        *leave_index(),
    ]
