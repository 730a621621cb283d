"""RSA public keys as JSON Web Keys (RFC 7517) and their RFC 7638 thumbprints.

KMS's GetPublicKey answers a DER SubjectPublicKeyInfo; the JWKS publishes ``n`` and ``e``.
The ``kid`` is the key's RFC 7638 thumbprint, so it is stable (the same key always gets
the same ``kid``, in every container) and says nothing but which key it is. Imports
``cryptography``: the authorizer loads this module only when a bearer token arrives.
"""

from __future__ import annotations

import hashlib
import json

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from chalicelib.domain.signing import ALGORITHM, b64url


class NotAnRsaKey(ValueError):
    """Raised when a published key is not an RSA public key."""


def rsa_key(der: bytes) -> RSAPublicKey:
    key = load_der_public_key(der)
    if not isinstance(key, RSAPublicKey):
        raise NotAnRsaKey("token signing keys must be RSA keys")
    return key


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def thumbprint(der: bytes) -> str:
    """The RFC 7638 SHA-256 thumbprint of an RSA public key, base64url."""
    numbers = rsa_key(der).public_numbers()
    # RFC 7638 3.2: the required members only, in lexicographic order, no whitespace.
    canonical = json.dumps(
        {"e": _uint(numbers.e), "kty": "RSA", "n": _uint(numbers.n)}, separators=(",", ":")
    )
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def jwk(der: bytes) -> dict[str, str]:
    """The public JWK of a DER SubjectPublicKeyInfo, with its ``kid``, ``alg`` and ``use``."""
    numbers = rsa_key(der).public_numbers()
    return {
        "kty": "RSA",
        "kid": thumbprint(der),
        "use": "sig",
        "alg": ALGORITHM,
        "n": _uint(numbers.n),
        "e": _uint(numbers.e),
    }
