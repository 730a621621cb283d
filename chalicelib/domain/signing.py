"""Signing access tokens: the ports, and the compact JWS built around them.

The private key never enters Lambda: in AWS a KMS asymmetric key signs
(chalicelib/storage/kms.py), locally a PEM file does (chalicelib/storage/pem.py). The domain
only builds the signing input ``base64url(header).base64url(payload)`` and asks a
:class:`Signer` for the RS256 signature. Standard library only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Protocol

ALGORITHM = "RS256"  # API Gateway's HTTP API JWT authorizer accepts RSA keys only
TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 section 2.1, not a secret


class Signer(Protocol):
    """An RSA key that signs with RSASSA-PKCS1-v1_5 over SHA-256 (RS256)."""

    def key_id(self) -> str:
        """The ``kid`` of the key: its RFC 7638 thumbprint."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The RS256 signature of ``message``."""
        ...


class PublicKeys(Protocol):
    """The published verification keys, as DER SubjectPublicKeyInfo by ``kid``."""

    def public_keys(self) -> Mapping[str, bytes]:
        """The published keys fetched so far: the signing key, and the next (or previous)
        one if named. SigningFailed when not one of them is available."""
        ...

    def complete(self) -> bool:
        """True when every configured key is among ``public_keys()``: a ``kid`` that is not
        there then names no key of ours (rather than one not fetched yet)."""
        ...


class SigningFailed(Exception):
    """Raised when the signing key cannot be reached or refuses to sign."""

    def __init__(self, detail: str, retry_after: int = 1, throttled: bool = False) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)  # seconds, for a Retry-After header
        self.throttled = throttled  # the key service refused for its request quota


class TokensNotConfigured(Exception):
    """Raised when no token signing key is configured."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact_jws(claims: Mapping[str, Any], signer: Signer) -> str:
    """``header.payload.signature`` for ``claims``, signed by ``signer`` (RFC 7515 7.1)."""
    header = {"alg": ALGORITHM, "typ": TOKEN_TYPE, "kid": signer.key_id()}
    encoded = [
        b64url(json.dumps(part, separators=(",", ":")).encode("utf-8")) for part in (header, claims)
    ]
    signing_input = ".".join(encoded).encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url(signer.sign(signing_input))}"
