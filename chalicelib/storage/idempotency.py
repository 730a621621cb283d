"""Idempotency records: claimed with a conditional put, completed inside the change's own
transaction (:func:`complete_in`), so a fault after the commit cannot leave one pending.

A claim carries a token of its own; completing requires that the record is still pending
under that token. A pending claim whose lease ran out (its request crashed or timed out)
may be taken over by a retry, and then the first request's transaction can no longer
commit: at most one of them makes the key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError
from pynamodb.expressions.condition import Condition

from chalicelib.domain.records import Claim
from chalicelib.storage.errors import is_condition_failure, storage_errors
from chalicelib.storage.models import IdempotencyModel
from chalicelib.storage.transaction import Transaction

# Longer than the API function's timeout (29 s, API Gateway's REST integration limit): in
# AWS a claim is taken over only once the request that made it has been stopped. The fence
# makes a takeover safe even if that request were still running (e.g. under `make dev`).
LEASE = timedelta(seconds=30)
PENDING, DONE = "pending", "done"


@dataclass(frozen=True)
class Claimed:
    """A record that was already there when we tried to claim it."""

    fingerprint: str
    state: str
    key_id: str | None
    created_at: datetime


class IdempotencyStore:
    """One record per tenant, operation and client key, for ``ttl``."""

    def __init__(self, ttl: timedelta, lease: timedelta = LEASE) -> None:
        self.ttl = ttl
        self.lease = lease

    def claim(self, record_id: str, fingerprint: str, now: datetime) -> Claim | Claimed:
        """Claim the id for this request: a Claim, or the record in the way.

        An expired record (TTL deletion lags up to days) is claimed over, as if absent, and
        so is a pending one whose lease has passed.
        """
        token = secrets.token_urlsafe(16)
        item = IdempotencyModel(
            record_id,
            fingerprint=fingerprint,
            state=PENDING,
            created_at=now,
            expires=now + self.ttl,
            claim_token=token,
            lease_until=now + self.lease,
        )
        # A record claimed before leases existed has none: its age stands in for it.
        leaseless = IdempotencyModel.lease_until.does_not_exist() & (
            IdempotencyModel.created_at < now - self.lease
        )
        abandoned = (IdempotencyModel.state == PENDING) & (
            (IdempotencyModel.lease_until < now) | leaseless
        )
        free = (
            IdempotencyModel.id.does_not_exist()
            | (IdempotencyModel.created_at < now - self.ttl)
            | abandoned
        )
        with storage_errors():
            try:
                item.save(condition=free)
                return Claim(record_id, token)
            except PutError as error:
                if not is_condition_failure(error):
                    raise
            try:
                held = IdempotencyModel.get(record_id, consistent_read=True)
            except DoesNotExist:
                return self.claim(record_id, fingerprint, now)  # deleted meanwhile
        return Claimed(held.fingerprint, held.state, held.key_id, held.created_at)

    def release(self, claim: Claim) -> None:
        """Forget a claim whose request failed, so the client may retry it."""
        with storage_errors():
            try:
                IdempotencyModel(claim.record_id).delete(condition=_held(claim))
            except DeleteError as error:
                if not is_condition_failure(error):
                    raise


def complete_in(tx: Transaction, claim: Claim, key_id: str) -> None:
    """Mark the claim done with ``key_id`` in ``tx``, if it is still ours; named "claim"."""
    tx.update(
        "claim",
        IdempotencyModel(claim.record_id),
        [IdempotencyModel.state.set(DONE), IdempotencyModel.key_id.set(key_id)],
        _held(claim),
    )


def _held(claim: Claim) -> Condition:
    held: Condition = (IdempotencyModel.state == PENDING) & (
        IdempotencyModel.claim_token == claim.token
    )
    return held
