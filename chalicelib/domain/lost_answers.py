"""A write whose answer was lost: did this request's own write commit?

A timeout or a reset connection after DynamoDB committed leaves the request holding a
secret nobody else will ever see: without it the client never learns the new key, or,
after a rotation without grace, holds only a dead secret. The stored hash is the
request's marker: it was made from a secret this request minted, so a key holding it was
written by this request's transaction (its idempotency record and audit event included).
"""

from __future__ import annotations

import hmac

from chalicelib.domain.errors import NotFound, StorageUnavailable
from chalicelib.domain.ports import KeyRepository
from chalicelib.domain.records import ApiKey, SecretHash


def written_by_this_request(keys: KeyRepository, key: ApiKey, secret: SecretHash) -> bool:
    """Whether ``key`` is stored with ``secret``, the hash this request made (one strongly
    consistent read). Any doubt (the read fails too, no key) answers False: the caller then
    keeps its original error."""
    try:
        stored = keys.get_in_tenant(key.tenant_id, key.key_id)
    except (StorageUnavailable, NotFound):
        return False
    return hmac.compare_digest(stored.current_secret.digest, secret.digest)
