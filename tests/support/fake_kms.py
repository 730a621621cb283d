"""A KMS client stand-in for the access-token keys: injected, never patched in.

Each named key is a local RSA key (tests/token_keys.py) that signs RAW messages as KMS
does; a key listed in ``failing`` answers every call with a throttling error, as KMS does
when the account's request quota is spent or the key is disabled. ``calls`` counts every
request by operation and key, so tests can prove how often KMS was asked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chalicelib.storage.kms import KmsPublicKeys, KmsSigner
from chalicelib.storage.pem import LocalSigner
from chalicelib.storage.token_keys import TokenKeys
from tests.support.clock import FakeMonotonic
from tests.token_keys import local_signer


def throttled(operation: str) -> ClientError:
    error = {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    return ClientError({"Error": error}, operation)


class FakeKms:
    """GetPublicKey and Sign for named keys; ``failing`` keys refuse (mutable)."""

    def __init__(self, keys: dict[str, LocalSigner], failing: set[str] | None = None) -> None:
        self.keys = keys
        self.failing = failing if failing is not None else set()
        self.calls: Counter[tuple[str, str]] = Counter()

    def get_public_key(self, KeyId: str) -> dict[str, Any]:
        self.calls["GetPublicKey", KeyId] += 1
        if KeyId in self.failing or KeyId not in self.keys:
            raise throttled("GetPublicKey")
        public = self.keys[KeyId]._key.public_key()
        return {"PublicKey": public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)}

    def sign(self, KeyId: str, Message: bytes, **_: Any) -> dict[str, Any]:
        self.calls["Sign", KeyId] += 1
        if KeyId in self.failing or KeyId not in self.keys:
            raise throttled("Sign")
        signature = self.keys[KeyId]._key.sign(Message, padding.PKCS1v15(), hashes.SHA256())
        return {"Signature": signature}

    def signs(self) -> int:
        return sum(count for (operation, _), count in self.calls.items() if operation == "Sign")


def kms_token_keys(
    kms: FakeKms, signing: str = "signing", following: str = "", ticks: FakeMonotonic | None = None
) -> TokenKeys:
    """The token keys as AWS wires them (chalicelib/storage/token_keys.py), over ``kms``."""
    published = KmsPublicKeys((signing, following), lambda: kms, ticks or FakeMonotonic())
    return TokenKeys(KmsSigner(signing, published), published)


def two_key_kms(failing: set[str] | None = None) -> FakeKms:
    return FakeKms({"signing": local_signer(), "next": local_signer("next")}, failing)
