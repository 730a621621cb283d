"""Token signing keys for tests: generated here, once per session (never a committed key)."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.storage.pem import LocalSigner, generate_pem
from chalicelib.storage.token_keys import TokenKeys

ISSUER = "https://latchkey.test/api"


@lru_cache(maxsize=2)
def local_signer(which: str = "current") -> LocalSigner:
    """An RSA-2048 signer; ``which`` names distinct keys (2048-bit generation takes ~0.1 s)."""
    return LocalSigner(generate_pem())


def local_keys(which: str = "current") -> TokenKeys:
    signer = local_signer(which)
    return TokenKeys(signer, signer)
