"""Access-token keys held in AWS KMS: signing, and the published public keys.

The private key never leaves KMS: the API function may call ``kms:Sign`` on the signing
key, and the API and the authorizer ``kms:GetPublicKey`` on the published keys
(infra/template.yaml). Plain botocore (the authorizer never imports boto3); one client per
container, created on first use. Public keys are cached for the container's life: a KMS
key's key material never changes, so neither does its ``kid``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.domain.signing import SigningFailed

KMS_ALGORITHM = "RSASSA_PKCS1_V1_5_SHA_256"
# KMS signs a RAW message of up to 4096 bytes (hashing it itself); a longer one (a group
# with many long route patterns) is signed as its SHA-256 DIGEST. Both give the same RS256
# signature. moto 5.2.5 implements RAW only, so the DIGEST branch is tested with a stub.
RAW_LIMIT = 4096
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2})


def kms_client(region: str) -> Callable[[], Any]:
    def create() -> Any:
        import botocore.session

        return botocore.session.get_session().create_client(
            "kms", region_name=region, config=CLIENT_CONFIG
        )

    return create


class KmsPublicKeys:
    """The DER public keys of some KMS keys, by ``kid``, each fetched once per container."""

    def __init__(self, key_ids: tuple[str, ...], client_factory: Callable[[], Any]) -> None:
        self._key_ids = tuple(key for key in key_ids if key)
        self._factory = client_factory
        self._client: Any = None
        self._der: dict[str, bytes] = {}  # KMS key id -> DER
        self._published: dict[str, bytes] | None = None  # kid -> DER, once all are fetched
        self.calls = 0  # counted for the benchmark

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def der(self, key_id: str) -> bytes:
        """One key's DER SubjectPublicKeyInfo; a failed fetch is tried again next time."""
        if key_id not in self._der:
            self.calls += 1
            try:
                answer = self.client.get_public_key(KeyId=key_id)
            except (ClientError, BotoCoreError) as error:
                raise SigningFailed(f"GetPublicKey failed: {type(error).__name__}") from None
            self._der[key_id] = bytes(answer["PublicKey"])
        return self._der[key_id]

    def public_keys(self) -> Mapping[str, bytes]:
        if self._published is None:
            from chalicelib.identity.jwk import thumbprint

            ders = [self.der(key) for key in self._key_ids]
            self._published = {thumbprint(der): der for der in ders}
        return self._published


class KmsSigner:
    """RS256 signatures from one KMS ``SIGN_VERIFY`` RSA key."""

    def __init__(self, key_id: str, keys: KmsPublicKeys) -> None:
        self._key_id = key_id
        self._keys = keys
        self._kid: str | None = None

    def key_id(self) -> str:
        if self._kid is None:
            from chalicelib.identity.jwk import thumbprint

            self._kid = thumbprint(self._keys.der(self._key_id))
        return self._kid

    def sign(self, message: bytes) -> bytes:
        if len(message) <= RAW_LIMIT:
            request = {"Message": message, "MessageType": "RAW"}
        else:
            request = {"Message": hashlib.sha256(message).digest(), "MessageType": "DIGEST"}
        try:
            answer = self._keys.client.sign(
                KeyId=self._key_id, SigningAlgorithm=KMS_ALGORITHM, **request
            )
        except (ClientError, BotoCoreError) as error:
            raise SigningFailed(f"Sign failed: {type(error).__name__}") from None
        return bytes(answer["Signature"])
