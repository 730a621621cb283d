"""The API key format: minting, parsing and the checksum.

A token is ``<prefix>_<key id>_<secret><checksum>``:

- ``prefix``: per stage (``lk_live``, ``lk_test``), so secret scanners can find leaked keys;
- ``key id``: 16 base62 characters, public, the key's DynamoDB hash key;
- ``secret``: 43 base62 characters from ``secrets`` (43 * log2(62) = 256.03 bits);
- ``checksum``: CRC32 of everything before it, as 6 base62 characters.

Parsing is pure: a token with the wrong prefix, length, alphabet or checksum is rejected
here, before anything reads the database. This module is on the authorizer's hot path and
imports only the standard library.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KEY_ID_LENGTH = 16
SECRET_LENGTH = 43
CHECKSUM_LENGTH = 6  # 62**6 > 2**32, so every CRC32 fits
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# Every key id, as a JSON Schema pattern (anchored: those are not).
KEY_ID_PATTERN = rf"^[0-9A-Za-z]{{{KEY_ID_LENGTH}}}$"


@dataclass(frozen=True)
class ParsedToken:
    """A token that passed every offline check; ``secret`` must never be logged."""

    key_id: str
    secret: str = ""

    def __repr__(self) -> str:
        return f"ParsedToken(key_id={self.key_id!r}, secret=<redacted>)"


def _random_base62(length: int) -> str:
    # Imported here: the authorizer parses tokens but never mints one, and ``secrets``
    # (with ``random``) would add to its cold start.
    import secrets

    return "".join(secrets.choice(BASE62) for _ in range(length))


def base62_fixed(number: int, width: int) -> str:
    """Encode ``number`` in base62, left-padded with ``0`` to ``width`` characters."""
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    if number:
        raise ValueError("number does not fit the width")
    return "".join(reversed(chars))


def checksum(body: str) -> str:
    """CRC32 of ``body`` as 6 base62 characters."""
    return base62_fixed(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def new_key_id() -> str:
    """A fresh random public key id."""
    return _random_base62(KEY_ID_LENGTH)


def new_secret() -> str:
    """A fresh 256-bit secret."""
    return _random_base62(SECRET_LENGTH)


def format_token(prefix: str, key_id: str, secret: str) -> str:
    """Assemble the token a client sends; the only place a secret is joined to its id."""
    body = f"{prefix}_{key_id}_{secret}"
    return body + checksum(body)


def display_hint(prefix: str, key_id: str) -> str:
    """What lists show to recognise a token: its public first characters, no secret."""
    return f"{prefix}_{key_id}_"


class KeyFormat:
    """Parses tokens of one prefix. Build once per process; ``parse`` is the hot path."""

    def __init__(self, prefix: str) -> None:
        if not PREFIX_PATTERN.match(prefix):
            raise ValueError(f"invalid key prefix {prefix!r}")
        self.prefix = prefix
        self.pattern = re.compile(
            rf"{re.escape(prefix)}_([0-9A-Za-z]{{{KEY_ID_LENGTH}}})"
            rf"_([0-9A-Za-z]{{{SECRET_LENGTH}}})([0-9A-Za-z]{{{CHECKSUM_LENGTH}}})"
        )
        self.length = len(prefix) + 2 + KEY_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH

    def parse(self, token: str | None) -> ParsedToken | None:
        """Return the token's parts, or None when it is not a well-formed token."""
        if not token or len(token) != self.length:
            return None
        match = self.pattern.fullmatch(token)
        if match is None:
            return None
        if checksum(token[:-CHECKSUM_LENGTH]) != match.group(3):
            return None
        return ParsedToken(key_id=match.group(1), secret=match.group(2))

    def mint(self, key_id: str | None = None) -> tuple[str, ParsedToken]:
        """A new token (and its parts) for ``key_id``, or for a fresh id."""
        parts = ParsedToken(key_id=key_id or new_key_id(), secret=new_secret())
        return format_token(self.prefix, parts.key_id, parts.secret), parts
