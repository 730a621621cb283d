"""Domain errors. They know nothing of HTTP; ``chalicelib/api/problems.py`` maps them."""

from __future__ import annotations


class LatchkeyError(Exception):
    """Base of every domain error."""

    def __init__(self, detail: str = "", **extra: object) -> None:
        super().__init__(detail or (self.__doc__ or "").strip())
        self.detail = detail or (self.__doc__ or "").strip()
        self.extra = extra


class NotFound(LatchkeyError):
    """Raised when a key or group does not exist in the caller's tenant."""


class Unauthenticated(LatchkeyError):
    """Raised when a request carries no valid credential."""


class Forbidden(LatchkeyError):
    """Raised when a valid credential lacks the permission a call needs."""


class SupportModeRequired(Forbidden):
    """Raised when a platform credential calls a tenant's route without X-Latchkey-Tenant."""


class InvalidInput(LatchkeyError):
    """Raised when input breaks a domain rule; ``extra['errors']`` lists the fields."""


class KeyLimitReached(LatchkeyError):
    """Raised when the tenant already has as many usable keys as its limit allows."""


class GroupLimitReached(LatchkeyError):
    """Raised when a tenant already has as many groups as its group limit allows."""


class KeyRevoked(LatchkeyError):
    """Raised when a change is asked of a revoked key."""


class KeyExpired(LatchkeyError):
    """Raised when a rotation is asked of an expired key."""


class GroupInUse(LatchkeyError):
    """Raised when deleting a group that active keys still use."""


class Conflict(LatchkeyError):
    """Raised when a concurrent change won the race; the caller may retry."""


class WouldLockOutCaller(LatchkeyError):
    """Raised when an edit would take the calling credential's own access, unconfirmed."""


class LastManager(LatchkeyError):
    """Raised when a change would leave the tenant without a key that holds keys:manage."""


class TenantExists(LatchkeyError):
    """Raised when creating a tenant whose name is taken."""


class StorageUnavailable(LatchkeyError):
    """Raised when the store cannot be reached or refuses the call."""


class IdempotencyKeyReused(LatchkeyError):
    """Raised when an Idempotency-Key comes back with a different request."""


class IdempotencyInProgress(LatchkeyError):
    """Raised when a request with the same Idempotency-Key is still being processed."""


# A stored item the code cannot read answers 503, never a 500.
class StoredItemUnreadable(StorageUnavailable):
    """Raised when a stored item cannot be read (``latchkey tenants check`` finds it)."""


# --- access tokens ---------------------------------------------------------------


class ClientRefused(LatchkeyError):
    """Raised when a token request's client credentials do not authenticate a usable key."""


class ScopeRefused(LatchkeyError):
    """Raised when a token request asks for a scope the key's group does not grant."""


class TokenRateLimited(LatchkeyError):
    """Raised when a key asks for more new tokens than its per-key rate allows."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)  # seconds, for a Retry-After header


# --- webhooks ---------------------------------------------------------------------------------


class WebhookLimitReached(LatchkeyError):
    """Raised when the tenant already has as many webhook endpoints as the limit allows."""
