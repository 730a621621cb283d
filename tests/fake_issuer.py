"""A fake OpenID Connect identity provider: an RSA key pair, its JWKS, and signed tokens.

Used by the OIDC tests (in process) and by the live-server tests, which hand the JWKS to
the server as a file. Nothing here reaches a network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
AUDIENCE = "latchkey-console"
JWKS_URL = f"{ISSUER}/.well-known/jwks.json"


class Issuer:
    """A key pair (and a second, unpublished one), its JWKS, and a count of JWKS fetches."""

    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.fetches = 0

    def document(self) -> dict[str, Any]:
        """The JWKS: the first key's public half, as kid ``k1``."""
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}

    def jwks(self, url: str) -> dict[str, Any]:
        """What the verifier's fetch gets: the JWKS, counted."""
        self.fetches += 1
        assert url == JWKS_URL
        return self.document()

    def token(
        self, clock: Callable[[], datetime], key: Any = None, kid: Any = "k1", **claims: Any
    ) -> str:
        """An ID token for Ada of tenant ``acme`` who manages keys; ``claims`` override
        (None removes a claim)."""
        now = int(clock().timestamp())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "user-123",
            "email": "ada@acme.example",
            "name": "Ada Lovelace",
            "custom:tenant": "acme",
            "cognito:groups": ["Manage API credentials"],
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            **claims,
        }
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, key or self.private, algorithm="RS256", headers={"kid": kid})
