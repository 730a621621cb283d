"""GitHub's secret scanning signatures: its published P-256 keys, cached, and the check.

GitHub signs each partner request's raw body with ECDSA P-256 / SHA-256 and names the key
in ``Github-Public-Key-Identifier``; the base64 DER signature is in
``Github-Public-Key-Signature``. The keys come from a published list
(``LATCHKEY_GITHUB_KEYS_URL``; ``file://`` works, for local use and tests), which is cached
for an hour. An identifier the cache does not know triggers a refetch, at most once a minute,
so forged identifiers cannot make us hammer GitHub; when GitHub cannot be reached, the
cached list keeps serving (the cache: chalicelib/identity/public_keys.py).
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.identity.public_keys import Fetch, PublicKeyCache, fetch_json

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

CACHE_FOR = 3600.0  # seconds a fetched list is trusted before it is fetched again
MAX_SIGNATURE_CHARS = 512  # a base64 DER P-256 signature is about 96


def parse_keys(document: dict[str, Any]) -> dict[str, ec.EllipticCurvePublicKey]:
    """``{"public_keys": [{"key_identifier", "key" (PEM), ...}]}`` -> P-256 keys by id."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

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
        self._cache = PublicKeyCache(url, parse_keys, fetch, monotonic, cache_for=CACHE_FOR)

    def key(self, identifier: str) -> ec.EllipticCurvePublicKey | None:
        return self._cache.key(identifier)

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
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            key.verify(der, body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return False
        return True
