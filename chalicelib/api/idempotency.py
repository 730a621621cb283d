"""Safe retries of create and rotate: the ``Idempotency-Key`` header.

The same key with the same body within 24 hours makes nothing new: the answer names the
key the first request made and says plainly that its secret was shown only then (the
secret is never stored, so it cannot be replayed; rotating gives a new one). The same key
with another body is a 422; a duplicate that arrives while the first still runs is a 409.
The record holds a fingerprint of the request (SHA-256 of the operation, ``create`` or
``rotate:<key id>``, and the body as canonical JSON: key order and spacing do not count)
and the key's id, never a secret.

The record is completed by the same transaction that makes or rotates the key (see
chalicelib/storage/idempotency.py), so once the key exists the record says so: no fault
after the commit can leave it pending. A claim whose request died is taken over after its
lease (30 s).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from contextlib import suppress

from chalice import Response

from chalicelib.api.endpoint import AnyCall
from chalicelib.api.schemas import KeyReplay, KeyWithSecret
from chalicelib.domain.errors import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InvalidInput,
    StorageUnavailable,
)
from chalicelib.domain.records import Claim

HEADER = "idempotency-key"
# Printable ASCII without spaces (0x21-0x7E), 1-255 of them; the OpenAPI document gives
# this pattern to clients, so both always agree.
KEY_PATTERN = "^[!-~]{1,255}$"
VALID_KEY = re.compile(KEY_PATTERN)
REPLAY_NOTE = (
    "This request was already made with this Idempotency-Key, so nothing new was made. "
    "The key below is the one it made; its secret was shown only in that first response "
    "and is never stored. To get a new secret, rotate the key."
)


def _fingerprint(operation: str, raw_body: bytes) -> str:
    """SHA-256 of ``operation`` and the body as canonical JSON (or as text, if not JSON)."""
    try:
        canonical = json.dumps(json.loads(raw_body or b"{}"), sort_keys=True)
    except ValueError:
        canonical = raw_body.decode("utf-8", "replace")
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def idempotent(
    call: AnyCall,
    operation: str,
    run: Callable[[Claim | None], KeyWithSecret],
    replay: Callable[[str], KeyReplay],
) -> KeyWithSecret | Response:
    """Run ``run`` once per Idempotency-Key (if the request carries one).

    ``run`` gets the claim to complete in its own transaction (None without the header).
    """
    client_key = call.headers.get(HEADER)
    if client_key is None:
        return run(None)
    if not VALID_KEY.fullmatch(client_key):
        raise InvalidInput(
            "invalid Idempotency-Key",
            errors=[{"field": "Idempotency-Key", "message": "1-255 printable ASCII characters"}],
        )
    store = call.services.idempotency
    record_id = f"{call.principal.tenant_id}#{operation}#{client_key}"
    fingerprint = _fingerprint(operation, call.raw_body)
    held = store.claim(record_id, fingerprint, call.services.clock())
    if not isinstance(held, Claim):
        if held.fingerprint != fingerprint:
            raise IdempotencyKeyReused("this Idempotency-Key was used with another request")
        if held.state != "done" or held.key_id is None:
            raise IdempotencyInProgress("a request with this Idempotency-Key is in progress")
        body = replay(held.key_id).model_dump_json()
        headers: dict[str, str | list[str]] = {
            "Content-Type": "application/json",
            "Idempotent-Replayed": "true",
        }
        return Response(body=body, status_code=200, headers=headers)
    try:
        return run(held)
    except Exception:
        # Nothing was made (the change would have completed the record): let the client
        # retry now. Should the release itself fail, the lease frees the claim.
        with suppress(StorageUnavailable):
            store.release(held)
        raise
