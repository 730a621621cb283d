"""Webhook signing secrets: made as Standard Webhooks defines them, sealed at rest.

A signing secret must be usable again to sign every delivery, so unlike an API key it
cannot be kept only as a hash. It is stored sealed with AES-256-GCM under a key derived
from the pepper (``derived_key(pepper, "webhook-secrets")``; the pepper lives in SSM, not
in DynamoDB), with the endpoint's tenant and id as associated data, so a sealed secret
copied onto another endpoint does not open. The pepper's version is kept beside it, so a
new pepper version still opens older secrets. ``cryptography`` loads on first use.
"""

from __future__ import annotations

import base64
import secrets

from chalicelib.domain.peppers import PepperSource, derived_key

PREFIX = "whsec_"
# The specification asks for 24 to 64 random bytes.
SECRET_BYTES = 32
_LABEL = "webhook-secrets"


def new_secret() -> str:
    """``whsec_`` and the base64 of 32 random bytes."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class SecretBox:
    """Seals and opens signing secrets under the pepper; ``context`` binds one to its owner."""

    def __init__(self, peppers: PepperSource) -> None:
        self._peppers = peppers

    def seal(self, secret: str, context: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        version, pepper = self._peppers.current()
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(derived_key(pepper, _LABEL)).encrypt(
            nonce, secret.encode(), context.encode()
        )
        return f"{version}.{_b64(nonce)}.{_b64(sealed)}"

    def open(self, sealed: str, context: str) -> str:
        """The secret; raises ValueError when the box is damaged or not this owner's."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        version, nonce, body = sealed.split(".")
        key = derived_key(self._peppers.get(int(version)), _LABEL)
        try:
            plain = AESGCM(key).decrypt(_unb64(nonce), _unb64(body), context.encode())
        except InvalidTag:
            raise ValueError("sealed secret does not open") from None
        return plain.decode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
