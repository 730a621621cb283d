"""The search every secrets test runs: which issued secret shows up where it must not.

A key's token is ``PREFIX_KEYID_SECRETcrc``; the secret part is what must never be stored
or shown again, so that is what is searched for (and, where asked, the whole token).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest


def secret_part(token: str) -> str:
    """The secret of a key's token, without its prefix, public key id and checksum."""
    return token.split("_")[-1][:43]


def found_in(
    tokens: Sequence[str],
    places: Iterable[tuple[str, str]],
    *,
    whole: bool = False,
    label: str = "secret",
) -> list[str]:
    """``"<label> N in <where>"`` for every token whose secret (or, ``whole``, itself) is in
    the text of a place; empty when nothing leaked."""
    return [
        f"{label} {number} in {where}"
        for where, text in places
        for number, token in enumerate(tokens)
        if secret_part(token) in text or (whole and token in text)
    ]


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured log record's message, one a line."""
    return "\n".join(record.getMessage() for record in caplog.records)
