"""Platform keys on DynamoDB: found by id with one GetItem, written with their audit event.

Each write is a transaction with its event in the platform trail (chalicelib/storage/audit.py).
The listing is a Scan: it is an operator's command over a handful of keys, never a request.
"""

from __future__ import annotations

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from chalicelib.domain.errors import Conflict
from chalicelib.domain.platform.keys import PlatformKey
from chalicelib.domain.records import AuditEvent, KeyStatus, SecretHash
from chalicelib.storage.audit import AuditWriter
from chalicelib.storage.convert import actor_from, actor_to
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.platform_model import PlatformKeyModel
from chalicelib.storage.readable import read_all, read_one
from chalicelib.storage.transaction import Cancelled, Transaction


def platform_key_from(item: PlatformKeyModel) -> PlatformKey:
    created_by = actor_from(item.created_by)
    if created_by is None:
        raise ValueError("a platform key item without created_by")
    return PlatformKey(
        key_id=item.key_id,
        name=item.name,
        permissions=tuple(str(permission) for permission in item.permissions),
        status=KeyStatus(item.status),
        created_at=item.created_at,
        created_by=created_by,
        hint=item.hint,
        secret=SecretHash(item.secret_hash, int(item.pepper_version)),
        revoked_at=item.revoked_at,
        revoked_by=actor_from(item.revoked_by),
    )


class PlatformKeyStore:
    """Reads and writes platform keys."""

    def __init__(self, connection: Connection, audit: AuditWriter | None = None) -> None:
        self._connection = connection
        self._audit = audit or AuditWriter()

    def create(self, key: PlatformKey, event: AuditEvent) -> None:
        item = PlatformKeyModel(
            key.key_id,
            name=key.name,
            permissions=list(key.permissions),
            status=key.status.value,
            created_at=key.created_at,
            created_by=actor_to(key.created_by),
            hint=key.hint,
            secret_hash=key.secret.digest,
            pepper_version=key.secret.pepper_version,
        )
        tx = Transaction(self._connection)
        tx.save("platform_key", item, PlatformKeyModel.key_id.does_not_exist())
        self._audit.add(tx, event)
        try:
            tx.commit()
        except Cancelled as cancelled:
            if "platform_key" in cancelled.failed:
                raise Conflict("a platform key with this id exists; try again") from None
            raise

    def get(self, key_id: str) -> PlatformKey | None:
        with storage_errors():
            try:
                return read_one(
                    lambda: platform_key_from(PlatformKeyModel.get(key_id, consistent_read=True)),
                    "platform key",
                    key_id,
                )
            except DoesNotExist:
                return None

    def list(self) -> list[PlatformKey]:
        with storage_errors():
            return list(
                read_all(platform_key_from, PlatformKeyModel.scan(), "platform key", "platform")
            )

    def revoke(self, key: PlatformKey, event: AuditEvent) -> bool:
        actions: list[Action] = [
            PlatformKeyModel.status.set(KeyStatus.REVOKED.value),
            PlatformKeyModel.revoked_at.set(event.at),
            PlatformKeyModel.revoked_by.set(actor_to(event.origin.actor)),
        ]
        condition = PlatformKeyModel.status == KeyStatus.ACTIVE.value
        return self._audit.update(
            self._connection, PlatformKeyModel(key.key_id), actions, condition, event
        )
