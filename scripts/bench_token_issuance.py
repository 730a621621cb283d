"""``make bench``: what one key can spend on token signing, with and without the bound.

Drives ``POST /oauth2/token`` through chalice's test client with one key, on DynamoDB
Local, ``REQUESTS`` times per case (after one request to warm up), and counts the
signatures at the Signer (in AWS each one is a ``kms:Sign`` against the account's RSA
quota, 500/s by default). Cases:

- no bound (``LATCHKEY_TOKEN_REUSE=false``, no per-key rate): every request signs;
- the bound, a client that asks for the same scope each time: the still-fresh token is
  answered again, so one signature serves every request for half the token's lifetime;
- the bound, a client that asks for a different scope each time (an attacker with a
  leaked key): the per-key rate stops it after ``token_signs_per_key_per_minute``
  signatures (429 with Retry-After); over a minute that is at most 1 a second.

The signer is a local PEM key (signing costs CPU here, not a network call).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import tempfile
import time
from base64 import b64encode
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chalice.test import Client

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.config.settings import Settings
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import KeyDraft
from chalicelib.domain.tenants import OPERATOR
from chalicelib.storage.pem import LocalSigner, ensure_pem
from chalicelib.storage.token_keys import TokenKeys
from chalicelib.wiring.services import build_services, set_services
from scripts.bench_support import bench_tables, header, row

ISSUER = "https://latchkey.bench/api"
REQUESTS = 150  # per case: past the default per-key rate (60), short on a shared machine
PERMISSIONS = (
    "orders:read",
    "orders:write",
    "orders:delete",
    "invoices:read",
    "invoices:write",
    "refunds:read",
    "refunds:write",
    "reports:read",
)


class CountingSigner:
    """A Signer that counts its signatures (where KMS would be called)."""

    def __init__(self, inner: LocalSigner) -> None:
        self._inner = inner
        self.signs = 0

    def key_id(self) -> str:
        return self._inner.key_id()

    def sign(self, message: bytes) -> bytes:
        self.signs += 1
        return self._inner.sign(message)


@dataclass(frozen=True)
class Outcome:
    requests: int
    answered: int
    refused: int
    signs: int
    seconds: float


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "token-signing-key.pem"
        ensure_pem(pem)
        tokens = AccessTokenSettings(issuer=ISSUER, local_key=str(pem))
        with bench_tables(access_tokens=tokens) as settings:
            report(settings, LocalSigner.from_file(str(pem)))


def report(settings: Settings, signer: LocalSigner) -> None:
    same = itertools.repeat(PERMISSIONS[0])
    varied = (" ".join(order) for order in itertools.permutations(PERMISSIONS))  # 40,320
    tokens = replace(settings.access_tokens, reuse=False, signs_per_key_per_minute=0)
    unbounded = replace(settings, access_tokens=tokens)
    cases = [
        ("no bound, same scope", unbounded, same),
        ("bound, same scope", settings, itertools.repeat(PERMISSIONS[0])),
        ("bound, a new scope each request", settings, varied),
    ]
    header(f"Token issuance with one key ({REQUESTS} requests a case)", "signs/s", "answers/s")
    for name, case_settings, scopes in cases:
        outcome = drive(case_settings, signer, scopes)
        row(
            name,
            outcome.signs / outcome.seconds,
            outcome.answered / outcome.seconds,
            "1/s",
            f"{outcome.signs} signs, {outcome.answered} tokens, {outcome.refused} x 429",
        )
    per_minute = settings.access_tokens.signs_per_key_per_minute
    print(f"\nsteady state with the bound: at most {per_minute} signs a minute per key and")
    print("container, however many requests; without it, one per request.")


def drive(settings: Settings, signer: LocalSigner, scopes: Any) -> Outcome:
    counting = CountingSigner(signer)
    services = build_services(settings, token_keys=TokenKeys(counting, signer))
    set_services(services)
    tenant = f"bench-{time.monotonic_ns()}"
    services.tenants.create(tenant, key_limit=10)
    group = services.groups.create(tenant, GroupDraft("Orders", "", PERMISSIONS, ("* /*",)))
    issued = services.keys.create(tenant, OPERATOR, KeyDraft("k", "", group.group_id, None, ()))
    return post_for(REQUESTS, issued.key.key_id, issued.token, scopes, counting)


def post_for(count: int, key_id: str, key: str, scopes: Any, counting: CountingSigner) -> Outcome:
    from app import app

    basic = "Basic " + b64encode(f"{key_id}:{key}".encode()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic}
    answered = refused = requests = 0
    # Each answer writes its metric line (EMF) to stdout: kept out of the report.
    with Client(app) as client, contextlib.redirect_stdout(io.StringIO()):

        def ask(scope: str) -> Any:
            body = f"grant_type=client_credentials&scope={scope.replace(' ', '+')}".encode()
            return client.http.post("/oauth2/token", headers=headers, body=body)

        ask("reports:read")  # warm: imports and the first reads (a scope no case asks for)
        counting.signs = 0
        start = time.perf_counter()
        for _ in range(count):
            answer = ask(next(scopes))
            requests += 1
            answered += answer.status_code == 200
            refused += answer.status_code == 429
        elapsed = time.perf_counter() - start
    return Outcome(requests, answered, refused, counting.signs, elapsed)


if __name__ == "__main__":
    main()
