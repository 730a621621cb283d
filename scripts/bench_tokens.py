"""``make bench``: access tokens beside API keys, on DynamoDB Local.

- token decision, warm: p50 and p99 of the authorizer deciding a bearer token, beside the
  key decision of the same key; a token's decision is all "own work" (no I/O), a key's own
  work is its decision less one bare GetItem (the floor of bench_authorizer).
- database reads per token decision (0) and per key decision (1).
- cold start with a token: a fresh process importing the authorizer and deciding one token
  (PyJWT and cryptography load then), beside the same with a key. Here the public key comes
  from a PEM file; in AWS it is one kms:GetPublicKey call per container on top.
- tokens issued per second by ``POST /oauth2/token`` through chalice's test client, signed
  with a local PEM key (in AWS each token is one kms:Sign call: README, "Access tokens").
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from base64 import b64encode
from pathlib import Path
from typing import Any

from chalice.test import Client

from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.config.settings import Settings
from chalicelib.storage.pem import LocalSigner, ensure_pem
from chalicelib.storage.token_keys import TokenKeys
from chalicelib.wiring.services import build_services, set_services
from scripts.bench_authorizer import ARN, COLD_LATCHKEY, COLD_RUNS, WARM_CALLS, env_for
from scripts.bench_support import bench_tables, header, interleaved, percentile, row, run_fresh

ISSUER = "https://latchkey.bench/api"
ISSUED = 300  # token requests timed


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "token-signing-key.pem"
        ensure_pem(pem)
        # Signing throughput itself: no reused tokens, no per-key rate (those are measured
        # by scripts/bench_token_issuance.py).
        with bench_tables(
            access_tokens=AccessTokenSettings(
                issuer=ISSUER, local_key=str(pem), reuse=False, signs_per_key_per_minute=0
            )
        ) as settings:
            report(settings, pem)


def report(settings: Settings, pem: Path) -> None:
    signer = LocalSigner.from_file(str(pem))
    services = build_services(settings, token_keys=TokenKeys(signer, signer))
    set_services(services)
    made = services.tenants.bootstrap("bench")
    key, key_id = made.issued.token, made.issued.key.key_id
    assert services.access_tokens is not None
    issuer = services.access_tokens.issuer
    token = issuer.issue(issuer.authenticate(key_id, key, None), None).access_token
    key_event = {"type": "TOKEN", "authorizationToken": key, "methodArn": ARN}
    token_event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": ARN}

    env = env_for(settings) | {
        "LATCHKEY_TOKEN_ISSUER": ISSUER,
        "LATCHKEY_TOKEN_LOCAL_KEY": str(pem),
    }
    cold_key, cold_token = [], []
    for _ in range(COLD_RUNS):
        cold_key.append(run_fresh(COLD_LATCHKEY, [json.dumps(key_event)], env)["seconds"])
        cold_token.append(run_fresh(COLD_LATCHKEY, [json.dumps(token_event)], env)["seconds"])

    runtime = build_runtime(settings, token_keys=signer)
    authorize(key_event, runtime)
    authorize(token_event, runtime)  # warm: the token path's imports and parsed key
    client = runtime.store.client
    # Each beside its own floor, interleaved so the machine's load hits both alike.
    key_samples, floor = interleaved(
        lambda: authorize(key_event, runtime),
        lambda: client.get_item(
            TableName=settings.dynamodb.keys_table,
            Key={"key_id": {"S": key_id}},
            ConsistentRead=True,
        ),
        WARM_CALLS,
    )
    reads = runtime.store.reads
    token_samples, _ = interleaved(
        lambda: authorize(token_event, runtime), lambda: None, WARM_CALLS
    )
    token_reads = (runtime.store.reads - reads) / len(token_samples)
    rate = issue_rate(key_id, key)

    micro = 1_000_000
    key_p50, floor_p50 = percentile(key_samples, 50) * micro, percentile(floor, 50) * micro
    header(f"Access tokens beside API keys ({len(token_samples)} warm calls each)", "token", "key")
    row(
        "warm decision p50",
        percentile(token_samples, 50) * micro,
        key_p50,
        "us",
    )
    row(
        "warm decision p99",
        percentile(token_samples, 99) * micro,
        percentile(key_samples, 99) * micro,
        "us",
    )
    row(
        "own work per decision (p50)",
        percentile(token_samples, 50) * micro,
        max(key_p50 - floor_p50, 0.0),
        "us",
        "token: no I/O at all",
    )
    row("database reads per decision", token_reads, 1.0, "per call", "token: 0")
    row(
        "cold start: import + one decision",
        statistics.median(cold_token) * 1000,
        statistics.median(cold_key) * 1000,
        "ms",
    )
    row("tokens issued per second (endpoint)", rate, None, "1/s", "local PEM signer")


def issue_rate(key_id: str, key: str) -> float:
    from app import app

    basic = "Basic " + b64encode(f"{key_id}:{key}".encode()).decode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": basic}
    body = b"grant_type=client_credentials"
    with Client(app) as client:
        start = time.perf_counter()
        for _ in range(ISSUED):
            answer: Any = client.http.post("/oauth2/token", headers=headers, body=body)
            assert answer.status_code == 200, answer.body
        return ISSUED / (time.perf_counter() - start)


if __name__ == "__main__":
    main()
