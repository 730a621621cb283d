"""Access-token keys on this machine: a PEM private key file, for ``make dev`` and tests.

In AWS the key is in KMS (chalicelib/storage/kms.py) and never enters Lambda; this file is
the local stand-in, generated into the git-ignored ``.local/`` by ``make dev``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from chalicelib.identity.jwk import thumbprint

KEY_BITS = 2048  # as the KMS key (RSA_2048)


def generate_pem() -> bytes:
    """A new RSA private key, PEM (PKCS#8, unencrypted: it is for local use only)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def ensure_pem(path: Path) -> bool:
    """Write a new key to ``path`` unless one is there; True when one was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(generate_pem())
    path.chmod(0o600)
    return True


class LocalSigner:
    """RS256 signatures from a PEM private key; also its own public key source."""

    def __init__(self, pem: bytes) -> None:
        key = load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the local token signing key must be an RSA key")
        self._key = key
        self._der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        self._kid = thumbprint(self._der)

    @classmethod
    def from_file(cls, path: str) -> LocalSigner:
        return cls(Path(path).read_bytes())

    def key_id(self) -> str:
        return self._kid

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    def public_keys(self) -> Mapping[str, bytes]:
        return {self._kid: self._der}

    def complete(self) -> bool:
        return True
