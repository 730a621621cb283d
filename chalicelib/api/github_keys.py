"""GitHub's secret scanning signatures: its published P-256 keys, cached, and the check.

GitHub signs each partner request's raw body with ECDSA P-256 / SHA-256 and names the key
in ``Github-Public-Key-Identifier``; the base64 DER signature is in
``Github-Public-Key-Signature``. The keys come from a published list
(``LATCHKEY_GITHUB_KEYS_URL``; ``file://`` works, for local use and tests), which is cached
for an hour. An identifier the cache does not know triggers a refetch, at most once a minute,
so forged identifiers cannot make us hammer GitHub; when GitHub cannot be reached, the
cached list keeps serving.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from chalicelib.api.oidc import Fetch, fetch_json

CACHE_FOR = 3600.0  # seconds a fetched list is trusted before it is fetched again
REFETCH_AT_MOST_EVERY = 60.0  # seconds between fetches, whatever asks for them
MAX_SIGNATURE_CHARS = 512  # a base64 DER P-256 signature is about 96
log = logging.getLogger(__name__)


def parse_keys(document: dict[str, Any]) -> dict[str, ec.EllipticCurvePublicKey]:
    """``{"public_keys": [{"key_identifier", "key" (PEM), ...}]}`` -> P-256 keys by id."""
    keys = {}
    for entry in document.get("public_keys", []):
        identifier, pem = entry.get("key_identifier"), entry.get("key")
        if not isinstance(identifier, str) or not isinstance(pem, str):
            continue
        try:
            key = load_pem_public_key(pem.encode())
        except ValueError:
            continue
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            keys[identifier] = key
    return keys


class GitHubKeys:
    """GitHub's signing keys by identifier, and the signature check."""

    def __init__(
        self, url: str, fetch: Fetch = fetch_json, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._url = url
        self._fetch = fetch
        self._monotonic = monotonic
        self._keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self._fetched_at: float | None = None  # the last fetch that worked
        self._tried_at: float | None = None  # the last fetch, worked or not

    def key(self, identifier: str) -> ec.EllipticCurvePublicKey | None:
        now = self._monotonic()
        stale = self._fetched_at is None or now - self._fetched_at >= CACHE_FOR
        wanted = stale or identifier not in self._keys
        if wanted and (self._tried_at is None or now - self._tried_at >= REFETCH_AT_MOST_EVERY):
            self._refresh(now)
        return self._keys.get(identifier)

    def _refresh(self, now: float) -> None:
        self._tried_at = now
        try:
            keys = parse_keys(self._fetch(self._url))
        except Exception as error:  # unreachable or garbled: keep serving the cached list
            log.warning("GitHub's public keys not fetched: %s", type(error).__name__)
            return
        self._keys, self._fetched_at = keys, now

    def verify(self, identifier: str | None, signature: str | None, body: bytes) -> bool:
        """True when ``signature`` is the named key's ECDSA P-256 signature of ``body``."""
        if not identifier or not signature or len(signature) > MAX_SIGNATURE_CHARS:
            return False
        try:
            der = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            return False
        key = self.key(identifier)
        if key is None:
            return False
        try:
            key.verify(der, body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True
