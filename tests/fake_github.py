"""A fake GitHub secret scanning: its own P-256 key pair, its published key list, signed batches.

The list is written to a file, so the app fetches it through ``file://`` exactly as it would
fetch GitHub's over https (``LATCHKEY_GITHUB_KEYS_URL``). Nothing here reaches a network.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

KEY_ID = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a"
TOKEN_TYPE = "latchkey_api_key"


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


class FakeGitHub:
    """GitHub's side: a published signing key, and an unpublished one an attacker might hold."""

    def __init__(self, directory: Path) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.unpublished = ec.generate_private_key(ec.SECP256R1())
        self.path = directory / "secret_scanning_keys.json"
        self.publish({KEY_ID: self.private})

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def publish(self, keys: dict[str, ec.EllipticCurvePrivateKey]) -> None:
        """Write GitHub's key list (the shape of /meta/public_keys/secret_scanning)."""
        entries = [
            {"key_identifier": identifier, "key": _pem(key), "is_current": True}
            for identifier, key in keys.items()
        ]
        self.path.write_text(json.dumps({"public_keys": entries}))

    def go_offline(self) -> None:
        """GitHub cannot be reached: the list's URL answers nothing."""
        self.path.unlink()

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.path.read_text())
        return document

    @staticmethod
    def body(*tokens: str, source: str = "content") -> bytes:
        """A partner request body: one match per token."""
        return json.dumps(
            [
                {
                    "token": token,
                    "type": TOKEN_TYPE,
                    "url": "https://github.com/octo/app/blob/abc123/config.py",
                    "source": source,
                }
                for token in tokens
            ]
        ).encode()

    def sign(
        self, body: bytes, key: ec.EllipticCurvePrivateKey | None = None, key_id: str = KEY_ID
    ) -> dict[str, str]:
        """The two headers GitHub sends: the key's identifier and the base64 DER signature."""
        signature = (key or self.private).sign(body, ec.ECDSA(hashes.SHA256()))
        return {
            "Github-Public-Key-Identifier": key_id,
            "Github-Public-Key-Signature": base64.b64encode(signature).decode(),
        }
