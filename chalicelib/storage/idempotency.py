"""Idempotency records: claimed with a conditional put, completed with the key's id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from chalicelib.storage.errors import is_condition_failure, storage_errors
from chalicelib.storage.models import IdempotencyModel


@dataclass(frozen=True)
class Claimed:
    """A record that was already there when we tried to claim it."""

    fingerprint: str
    state: str
    key_id: str | None
    created_at: datetime


class IdempotencyStore:
    """One record per tenant, operation and client key, for ``ttl``."""

    def __init__(self, ttl: timedelta) -> None:
        self.ttl = ttl

    def claim(self, record_id: str, fingerprint: str, now: datetime) -> Claimed | None:
        """Claim the id for this request; None if claimed, else the record in the way.

        An expired record (TTL deletion lags up to days) is claimed over, as if absent.
        """
        item = IdempotencyModel(
            record_id,
            fingerprint=fingerprint,
            state="pending",
            created_at=now,
            expires=now + self.ttl,
        )
        free = IdempotencyModel.id.does_not_exist() | (IdempotencyModel.created_at < now - self.ttl)
        with storage_errors():
            try:
                item.save(condition=free)
                return None
            except PutError as error:
                if not is_condition_failure(error):
                    raise
            try:
                held = IdempotencyModel.get(record_id, consistent_read=True)
            except DoesNotExist:
                return self.claim(record_id, fingerprint, now)  # deleted meanwhile
        return Claimed(held.fingerprint, held.state, held.key_id, held.created_at)

    def complete(self, record_id: str, key_id: str) -> None:
        with storage_errors():
            IdempotencyModel(record_id).update(
                actions=[IdempotencyModel.state.set("done"), IdempotencyModel.key_id.set(key_id)]
            )

    def release(self, record_id: str) -> None:
        """Forget a claim whose request failed, so the client may retry it."""
        with storage_errors():
            try:
                IdempotencyModel(record_id).delete(condition=IdempotencyModel.state == "pending")
            except DeleteError as error:
                if not is_condition_failure(error):
                    raise
