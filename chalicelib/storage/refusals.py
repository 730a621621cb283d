"""Why a key write was refused: the domain error each failed transaction item stands for.

A transaction names its items (chalicelib/storage/transaction.py); a cancelled one says
which names failed their condition, and this module says what that means to a caller.
"""

from __future__ import annotations

from chalicelib.domain.errors import IdempotencyInProgress, InvalidInput, KeyLimitReached
from chalicelib.storage.convert import tenant_from
from chalicelib.storage.errors import storage_errors
from chalicelib.storage.models import TenantModel
from chalicelib.storage.readable import read_one
from chalicelib.storage.transaction import Cancelled


def no_group() -> InvalidInput:
    return InvalidInput(
        "the group does not exist",
        errors=[{"field": "group_id", "message": "no group with this id"}],
    )


def explain_claim(cancelled: Cancelled) -> None:
    """Raise IdempotencyInProgress if the Idempotency-Key record was taken over."""
    if "claim" in cancelled.failed:
        raise IdempotencyInProgress(
            "another request with this Idempotency-Key took it over; nothing was changed"
        ) from None


def explain_create(cancelled: Cancelled, tenant_id: str) -> None:
    """Raise why a key create was refused: the claim, no group, or the tenant's limit."""
    explain_claim(cancelled)
    if "group" in cancelled.failed:
        raise no_group() from None
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
