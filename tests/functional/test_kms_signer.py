"""The KMS signer on moto's KMS: real RSA signatures that PyJWT verifies with the JWKS.

moto 5.2.5 signs RAW messages with a real RSA key (verifiable with GetPublicKey's key),
which is what ``KmsSigner`` sends for every signing input up to 4096 bytes. moto does not
implement ``MessageType=DIGEST``, which ``KmsSigner`` uses above that size (real KMS's
RAW limit): that branch is tested with a stub client that signs a digest as KMS does.
"""

from __future__ import annotations

import hashlib
from typing import Any

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, utils

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.domain.access_tokens import TokenRules, claims_for
from chalicelib.domain.signing import SigningFailed, compact_jws
from chalicelib.identity.jwk import jwk, thumbprint
from chalicelib.storage.kms import RAW_LIMIT, KmsPublicKeys, KmsSigner
from chalicelib.storage.token_keys import token_keys_for
from tests.support.moto import MotoAccount
from tests.support.records import make_group, make_key
from tests.support.settings import settings_for_tests
from tests.token_keys import ISSUER, local_signer
from tests.unit.test_access_tokens import FIVE_MINUTES, NOW, RULES


@pytest.fixture
def kms(moto: MotoAccount) -> Any:
    return boto3.client("kms", region_name="us-east-1")


def new_key(kms: Any) -> str:
    made = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")
    return str(made["KeyMetadata"]["Arn"])


def test_a_token_signed_in_kms_verifies_with_the_published_jwk(kms: Any) -> None:
    key_arn = new_key(kms)
    keys = token_keys_for(
        settings_for_tests(access_tokens=AccessTokenSettings(issuer=ISSUER, signing_key=key_arn))
    )
    claims = claims_for(RULES, make_key(), make_group(), (), NOW, FIVE_MINUTES)
    token = compact_jws(claims, keys.signer)
    (der,) = keys.published.public_keys().values()
    assert jwt.get_unverified_header(token)["kid"] == thumbprint(der)
    decoded = jwt.decode(
        token,
        jwt.PyJWK(jwk(der)).key,
        algorithms=["RS256"],
        audience=RULES.audience,
        options={"verify_exp": False},
    )
    assert decoded == claims


def test_both_the_signing_and_the_next_key_are_published_each_fetched_once(kms: Any) -> None:
    current, following = new_key(kms), new_key(kms)
    keys = KmsPublicKeys((current, following), lambda: kms)
    first = keys.public_keys()
    assert len(first) == 2
    assert keys.public_keys() == first
    assert keys.calls == 2, "GetPublicKey once per key per container"


def test_an_unknown_key_fails_as_signing_failed(kms: Any) -> None:
    keys = KmsPublicKeys(("alias/missing",), lambda: kms)
    with pytest.raises(SigningFailed):
        keys.public_keys()
    with pytest.raises(SigningFailed):
        KmsSigner("alias/missing", keys).sign(b"x")


class DigestKms:
    """Signs like KMS: RAW messages are hashed here, DIGEST ones are signed as given."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._key = local_signer()._key

    def sign(self, **request: Any) -> dict[str, bytes]:
        self.requests.append(request)
        assert request["SigningAlgorithm"] == "RSASSA_PKCS1_V1_5_SHA_256"
        if request["MessageType"] == "DIGEST":
            algorithm: Any = utils.Prehashed(hashes.SHA256())
        else:
            algorithm = hashes.SHA256()
        signature = self._key.sign(request["Message"], padding.PKCS1v15(), algorithm)
        return {"Signature": signature}

    def get_public_key(self, KeyId: str) -> dict[str, bytes]:
        return {"PublicKey": next(iter(local_signer().public_keys().values()))}


@pytest.mark.parametrize(("size", "kind"), [(RAW_LIMIT, "RAW"), (RAW_LIMIT + 1, "DIGEST")])
def test_long_signing_inputs_are_signed_as_their_digest(size: int, kind: str) -> None:
    stub = DigestKms()
    signer = KmsSigner("key", KmsPublicKeys(("key",), lambda: stub))
    message = b"a" * size
    signature = signer.sign(message)
    (request,) = stub.requests
    assert request["MessageType"] == kind
    if kind == "DIGEST":
        assert request["Message"] == hashlib.sha256(message).digest()
    public = local_signer()._key.public_key()
    public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def test_a_group_with_many_long_routes_still_gets_a_valid_token() -> None:
    stub = DigestKms()
    signer = KmsSigner("key", KmsPublicKeys(("key",), lambda: stub))
    routes = tuple(f"GET /{'x' * 200}/{n}" for n in range(50))
    claims = claims_for(
        TokenRules(ISSUER, ISSUER, RULES.lifetime),
        make_key(),
        make_group(routes=routes),
        (),
        NOW,
        FIVE_MINUTES,
    )
    token = compact_jws(claims, signer)
    assert stub.requests[0]["MessageType"] == "DIGEST"
    der = next(iter(local_signer().public_keys().values()))
    decoded = jwt.decode(
        token,
        jwt.PyJWK(jwk(der)).key,
        algorithms=["RS256"],
        audience=ISSUER,
        options={"verify_exp": False},
    )
    assert decoded["routes"] == list(routes)
