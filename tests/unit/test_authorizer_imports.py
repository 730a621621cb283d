"""The cold-start guard: the authorizer's Lambda imports only what the hot path needs.

Each check imports ``app`` in a fresh interpreter, since this test session has long since
imported everything. With ``LATCHKEY_ROLE=authorizer`` (how .chalice/config.json deploys the
authorizer) neither the management API nor its heavy dependencies may load.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.fresh_process import ROOT, env_without_latchkey, probe

HEAVY = ("pydantic", "pynamodb", "yaml", "boto3")
PROBE = f"""
import json, sys
import app
print(json.dumps({{
    "loaded": [name for name in {HEAVY!r} + ("chalicelib.api",) if name in sys.modules],
    "routes": sorted(app.app.routes),
    "authorizer": callable(getattr(app, "authorizer", None)),
}}))
"""


def import_app(role: str | None) -> dict[str, Any]:
    """What a fresh ``import app`` loads, under ``LATCHKEY_ROLE=role`` (unset when None)."""
    env = env_without_latchkey() if role is None else env_without_latchkey(LATCHKEY_ROLE=role)
    result: dict[str, Any] = probe(PROBE, env=env)
    return result


def test_the_authorizer_role_imports_no_pydantic_pynamodb_yaml_or_boto3() -> None:
    loaded = import_app("authorizer")
    assert loaded["loaded"] == []
    assert loaded["routes"] == []
    assert loaded["authorizer"] is True


def test_a_bad_console_value_does_not_stop_the_authorizer() -> None:
    env = env_without_latchkey(LATCHKEY_ROLE="authorizer", LATCHKEY_CONSOLE_ACCENT="blue")
    loaded = probe(PROBE, env=env)
    assert loaded["authorizer"] is True


def test_a_bad_console_value_stops_the_management_api_at_its_start() -> None:
    env = env_without_latchkey(LATCHKEY_CONSOLE_ACCENT="blue")
    done = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "LATCHKEY_CONSOLE_ACCENT" in done.stderr


def test_without_the_authorizer_role_the_management_api_is_registered() -> None:
    loaded = import_app(None)
    assert "/v1/keys" in loaded["routes"]
    assert "/v1/verify" in loaded["routes"]
    assert loaded["authorizer"] is True


# --- access tokens: the token path's crypto loads only when a token arrives ----

CRYPTO = ("jwt", "cryptography")
DECIDE = f"""
import json, sys
import app
from chalicelib.authorizer.handler import Unauthorized
event = json.loads(sys.argv[1])
try:
    app.authorizer(event, None)
except Unauthorized:
    pass
print(json.dumps([name for name in {CRYPTO!r} if name in sys.modules]))
"""
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/orders"


def crypto_loaded_after(event: dict[str, Any], pem: Path) -> list[str]:
    """What of PyJWT and cryptography a fresh authorizer loaded to decide ``event``."""
    env = env_without_latchkey(
        LATCHKEY_ROLE="authorizer",
        LATCHKEY_TOKEN_ISSUER="https://latchkey.test/api",
        LATCHKEY_TOKEN_LOCAL_KEY=str(pem),
    )
    loaded: list[str] = probe(DECIDE, json.dumps(event), env=env)
    return loaded


def test_the_key_path_never_imports_pyjwt_or_cryptography(tmp_path: Path) -> None:
    # A malformed key is refused before any database call, so this needs no table.
    event = {"type": "TOKEN", "authorizationToken": "lk_live_nope", "methodArn": METHOD_ARN}
    assert crypto_loaded_after(event, tmp_path / "unused.pem") == []


def test_a_bearer_token_loads_the_crypto_on_arrival(tmp_path: Path) -> None:
    from chalicelib.storage.pem import ensure_pem

    pem = tmp_path / "token-signing-key.pem"
    ensure_pem(pem)
    event = {"type": "TOKEN", "authorizationToken": "Bearer a.b.c", "methodArn": METHOD_ARN}
    assert crypto_loaded_after(event, pem) == list(CRYPTO)
