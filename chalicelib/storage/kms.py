"""Access-token keys held in AWS KMS: signing, and the published public keys.

The private key never leaves KMS: the API function may call ``kms:Sign`` on the signing
key, and the API and the authorizer ``kms:GetPublicKey`` on the published keys
(infra/template.yaml). Plain botocore (the authorizer never imports boto3); one client per
container, created on first use. Public keys are cached for the container's life: a KMS
key's key material never changes, so neither does its ``kid``. A failed fetch waits a
minute before the next (per key), and one key's failure never hides the others.
"""

from __future__ import annotations

import hashlib
import math
import time
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
# Seconds before a key whose GetPublicKey failed is asked for again, whatever asks (as
# GitHub's key list and an OIDC issuer's JWKS: chalicelib/identity/public_keys.py).
REFETCH_AFTER_FAILURE = 60.0
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2})


THROTTLING = frozenset({"ThrottlingException", "LimitExceededException"})


def throttled(error: ClientError | BotoCoreError) -> bool:
    """True when KMS refused for its request quota (counted: the KmsThrottles alarm)."""
    if not isinstance(error, ClientError):
        return False
    return error.response.get("Error", {}).get("Code") in THROTTLING


def kms_client(region: str) -> Callable[[], Any]:
    def create() -> Any:
        import botocore.session

        return botocore.session.get_session().create_client(
            "kms", region_name=region, config=CLIENT_CONFIG
        )

    return create


class KmsPublicKeys:
    """The DER public keys of some KMS keys, by ``kid``, each fetched once per container.

    A fetch that fails is not tried again for ``REFETCH_AFTER_FAILURE`` seconds (whoever
    asks: a token check, the JWKS, the signer), so a KMS outage or throttling costs at
    most one GetPublicKey a minute per key and container. A key that fails does not hide
    the others: ``public_keys`` publishes every key fetched, and fails only when none is.
    """

    def __init__(
        self,
        key_ids: tuple[str, ...],
        client_factory: Callable[[], Any],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._key_ids = tuple(dict.fromkeys(key for key in key_ids if key))
        self._factory = client_factory
        self._monotonic = monotonic
        self._client: Any = None
        self._der: dict[str, bytes] = {}  # KMS key id -> DER
        self._failed_at: dict[str, float] = {}  # KMS key id -> when its last fetch failed
        self._published: dict[str, bytes] | None = None  # kid -> DER, once all are fetched
        self.calls = 0  # counted for the benchmark and the tests

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client

    def der(self, key_id: str) -> bytes:
        """One key's DER SubjectPublicKeyInfo; SigningFailed (with a Retry-After) while a
        failed fetch waits out its minute."""
        if key_id in self._der:
            return self._der[key_id]
        wait = self._wait(key_id)
        if wait > 0:
            raise SigningFailed("GetPublicKey failed recently", retry_after=wait)
        self.calls += 1
        try:
            answer = self.client.get_public_key(KeyId=key_id)
        except (ClientError, BotoCoreError) as error:
            self._failed_at[key_id] = self._monotonic()
            raise SigningFailed(
                f"GetPublicKey failed: {type(error).__name__}",
                retry_after=self._wait(key_id),
                throttled=throttled(error),
            ) from None
        self._failed_at.pop(key_id, None)
        self._der[key_id] = bytes(answer["PublicKey"])
        return self._der[key_id]

    def _wait(self, key_id: str) -> int:
        """Whole seconds until ``key_id`` may be fetched again (0: now)."""
        failed = self._failed_at.get(key_id)
        if failed is None:
            return 0
        return max(0, math.ceil(REFETCH_AFTER_FAILURE - (self._monotonic() - failed)))

    def public_keys(self) -> Mapping[str, bytes]:
        if self._published is not None:
            return self._published
        from chalicelib.identity.jwk import thumbprint

        fetched: dict[str, bytes] = {}
        failures: list[SigningFailed] = []
        for key_id in self._key_ids:
            try:
                fetched[key_id] = self.der(key_id)
            except SigningFailed as error:
                failures.append(error)
        if not fetched:
            retry = min((error.retry_after for error in failures), default=1)
            raise SigningFailed("no token signing key is available", retry_after=retry)
        published = {thumbprint(der): der for der in fetched.values()}
        if not failures:
            self._published = published
        return published

    def complete(self) -> bool:
        return self._published is not None or all(key in self._der for key in self._key_ids)


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
            raise SigningFailed(
                f"Sign failed: {type(error).__name__}", throttled=throttled(error)
            ) from None
        return bytes(answer["Signature"])
