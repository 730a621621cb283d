"""Token signing keys for tests: generated here, once per session (never a committed key)."""

from __future__ import annotations

from functools import cache

from chalicelib.storage.pem import LocalSigner, generate_pem
from chalicelib.storage.token_keys import TokenKeys

ISSUER = "https://latchkey.test/api"


def local_signer(which: str = "current") -> LocalSigner:
    """An RSA-2048 signer; ``which`` names distinct keys (2048-bit generation takes ~0.1 s).

    The same ``which`` is always the same key in a process, however it is asked for: a
    module that signs with ``local_signer()`` and one that checks with
    ``local_signer("current")`` must agree, and no key may be dropped from the cache.
    """
    return _signer(which)


@cache
def _signer(which: str) -> LocalSigner:
    return LocalSigner(generate_pem())


def local_keys(which: str = "current") -> TokenKeys:
    signer = local_signer(which)
    return TokenKeys(signer, signer)
