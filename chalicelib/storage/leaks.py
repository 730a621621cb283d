"""Leaked keys in storage: the leak's fields on a key, written only when the leak is new.

A key keeps its latest leak (time, source, URL: never the token) and a fingerprint of each
stored secret hash that was reported. The condition "this fingerprint is not recorded yet"
is what makes a repeated report change nothing, even when two reports race. With the
``revoke`` policy these actions join the revoke transaction (chalicelib/storage/keys.py);
with ``notify`` :meth:`LeakStore.mark` writes them alone, with the leak's audit event. A
rotation's previous secret reported leaked is handled by :meth:`LeakStore.end_grace`.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.expressions.condition import Condition, Not
from pynamodb.expressions.update import Action

from chalicelib.domain.records import ApiKey, KeyStatus, LeakMark, SecretHash
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.key_index import list_attributes, set_actions
from chalicelib.storage.key_model import KeyModel


def leak_actions(mark: LeakMark) -> list[Action]:
    """Set the key's latest leak and add the secret's fingerprint."""
    leak = mark.leak
    return [
        KeyModel.leaked_at.set(leak.reported_at),
        KeyModel.leak_source.set(leak.source),
        KeyModel.leak_url.set(leak.url) if leak.url else KeyModel.leak_url.remove(),
        KeyModel.leaked_secrets.add({mark.fingerprint}),
    ]


def leak_is_new(mark: LeakMark) -> Condition:
    """The write's condition: this secret's leak is not recorded yet."""
    return Not(KeyModel.leaked_secrets.contains(mark.fingerprint))


def recorded_on(item: KeyModel, mark: LeakMark) -> bool:
    """True when ``item`` already records this leak (a report raced ours, or repeated it)."""
    return mark.fingerprint in (item.leaked_secrets or set())


class LeakStore:
    """Records a leak on an active key without revoking it: the ``notify`` policy, and the
    previous secret of a rotation reported inside its grace period."""

    def __init__(self, connection: Connection, audit: AuditWriter | None = None) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()

    def mark(self, key: ApiKey, mark: LeakMark) -> bool:
        """Record the leak with its audit event, in one transaction.

        False when nothing was written: the leak was recorded already, or the key is no
        longer active.
        """
        return self._record(key, mark, leak_is_new(mark), [])

    def end_grace(self, key: ApiKey, mark: LeakMark, previous: SecretHash) -> bool:
        """Record the leak of the key's previous secret and end that secret's grace period
        at once, with the leak's audit event, in one transaction; the key stays active.

        Conditioned on the previous secret still being the one reported: a rotation that
        committed first replaced it (so it no longer works), and then nothing is written.
        False when nothing was written: that, the leak recorded already, or the key no
        longer active.
        """
        condition = leak_is_new(mark) & (KeyModel.previous_secret_hash == previous.digest)
        ended: list[Action] = [
            KeyModel.previous_secret_hash.remove(),
            KeyModel.previous_pepper_version.remove(),
            KeyModel.previous_valid_until.remove(),
        ]
        return self._record(key, mark, condition, ended)

    def _record(
        self, key: ApiKey, mark: LeakMark, condition: Condition, extra: list[Action]
    ) -> bool:
        """The leak, ``extra`` and the audit event, while the key is active and ``condition``."""
        actions = [*leak_actions(mark), KeyModel.updated_at.set(mark.leak.reported_at), *extra]
        # Key lists: an active key (the condition) now in its tenant's leaked facet.
        place = list_attributes(
            key.tenant_id, key.key_id, KeyStatus.ACTIVE.value, True, key.expires_at, key.created_at
        )
        actions += set_actions(place, "list_facet")
        active = KeyModel.status == KeyStatus.ACTIVE.value
        return self._audit.update(
            self._connection, KeyModel(key.key_id), actions, active & condition, mark.event
        )
