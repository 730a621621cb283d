"""Which key signs access tokens, and which keys are published: chosen from settings.

In AWS, ``LATCHKEY_TOKEN_SIGNING_KEY`` names a KMS key (and ``LATCHKEY_TOKEN_NEXT_KEY``
optionally a second, published during a rotation); locally, ``LATCHKEY_TOKEN_LOCAL_KEY``
names a PEM file. Built on first use only: importing this module reads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.config.settings import Settings
from chalicelib.domain.signing import PublicKeys, Signer, TokensNotConfigured


@dataclass(frozen=True)
class TokenKeys:
    """The signer, and every public key a verifier should trust."""

    signer: Signer
    published: PublicKeys


def token_keys_for(settings: Settings) -> TokenKeys:
    """KMS when a signing key is named, else the local PEM file."""
    if settings.access_tokens.signing_key:
        from chalicelib.storage.kms import KmsPublicKeys, KmsSigner, kms_client

        tokens = settings.access_tokens
        keys = KmsPublicKeys((tokens.signing_key, tokens.next_key), kms_client(settings.region))
        return TokenKeys(KmsSigner(tokens.signing_key, keys), keys)
    if settings.access_tokens.local_key:
        from chalicelib.storage.pem import LocalSigner

        local = LocalSigner.from_file(settings.access_tokens.local_key)
        return TokenKeys(local, local)
    raise TokensNotConfigured("no token signing key is configured")
