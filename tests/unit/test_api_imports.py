"""The management API's cold-start guard: import only what the first request needs.

Each check imports ``app`` in a fresh interpreter, as a new Lambda container does, since this
test session has long since imported everything. PyJWT and cryptography (OIDC, GitHub's
signatures, access tokens) and PyYAML (``/openapi.yaml``) load when a request needs them, and
no request or response model is built before a request reads it (pydantic's
``defer_build``, chalicelib/api/schemas/common.py): built eagerly they cost every cold start
hundreds of milliseconds (scripts/bench_api.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.fresh_process import env_without_latchkey, probe

LAZY = ("jwt", "cryptography", "yaml")
PROBE = f"""
import json, sys
import pydantic
import app

def built():
    seen, todo = [], [pydantic.BaseModel]
    while todo:
        for model in todo.pop().__subclasses__():
            todo.append(model)
            # A generic template (Root[T]) is built when first parametrised; it has no fields.
            template = model.__pydantic_generic_metadata__["parameters"]
            ours = model.__module__.startswith("chalicelib")
            if ours and model.__pydantic_complete__ and not template:
                seen.append(model.__name__)
    return sorted(set(seen))

report = {{"import": {{"loaded": [m for m in {LAZY!r} if m in sys.modules], "built": built()}}}}
for path in sys.argv[1:]:
    event = {{
        "resource": path, "path": path, "httpMethod": "GET", "headers": {{}},
        "multiValueHeaders": {{}}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": None, "body": None,
        "isBase64Encoded": False, "stageVariables": None,
        "requestContext": {{"resourcePath": path, "httpMethod": "GET", "path": path,
                            "requestId": "r-1", "identity": {{"sourceIp": "203.0.113.7"}}}},
    }}
    answer = app.app(event, None)
    report[path] = {{
        "status": answer["statusCode"],
        "loaded": [m for m in {LAZY!r} if m in sys.modules],
        "built": built(),
    }}
print(json.dumps(report))
"""


def fresh_app(*paths: str) -> dict[str, Any]:
    """What a fresh ``import app`` loaded and built, then after answering GET ``paths``."""
    env = env_without_latchkey(LATCHKEY_PEPPERS="1:test-pepper", AWS_DEFAULT_REGION="us-east-1")
    result: dict[str, Any] = probe(PROBE, *paths, env=env)
    return result


def test_importing_the_api_loads_no_pyjwt_cryptography_or_yaml_and_builds_no_model() -> None:
    report = fresh_app()
    assert report["import"] == {"loaded": [], "built": []}


def test_a_refused_request_loads_no_crypto_and_builds_no_model() -> None:
    # No credential: a 401 before any table is read (its problem document is plain JSON).
    report = fresh_app("/v1/keys")
    assert report["/v1/keys"]["status"] == 401
    assert report["/v1/keys"]["loaded"] == []
    assert report["/v1/keys"]["built"] == []


def test_yaml_loads_when_the_yaml_reference_is_asked_for() -> None:
    report = fresh_app("/openapi.json", "/openapi.yaml")
    assert report["/openapi.json"]["status"] == 200
    assert report["/openapi.json"]["loaded"] == []
    assert report["/openapi.yaml"]["status"] == 200
    assert report["/openapi.yaml"]["loaded"] == ["yaml"]


# The parts of one or two routes, imported when those routes first need them.
ONE_ROUTE = (
    "chalicelib.authorizer.handler",  # the authorizer's own Lambda
    "chalicelib.authorizer.runtime",  # POST /v1/verify
    "chalicelib.storage.hotpath",
    "chalicelib.wiring.access_tokens",  # the token endpoint, JWKS
    "chalicelib.domain.access_tokens",
    "chalicelib.storage.token_keys",
    "chalicelib.identity.github_keys",  # GitHub secret scanning
    "chalicelib.storage.usage",  # GET /v1/usage, /v1/keys/{id}/usage
    "chalicelib.wiring.notifiers",  # leak notices
    "chalicelib.domain.counters",  # `latchkey tenants check` only
)
SERVICES_PROBE = f"""
import json, sys
import app
from chalicelib.wiring.services import get_services
after_import = [m for m in {ONE_ROUTE!r} if m in sys.modules]
services = get_services()
after_build = [m for m in {ONE_ROUTE!r} if m in sys.modules]
services.usage, services.leaks, services.github, services.access
after_use = [m for m in {ONE_ROUTE!r} if m in sys.modules]
print(json.dumps([after_import, after_build, after_use]))
"""


def test_the_services_import_one_routes_parts_only_when_that_route_asks_for_them() -> None:
    env = env_without_latchkey(LATCHKEY_PEPPERS="1:test-pepper", AWS_DEFAULT_REGION="us-east-1")
    after_import, after_build, after_use = probe(SERVICES_PROBE, env=env)
    assert after_import == []
    assert after_build == []
    # The probe is honest: asking for the parts does import them (no issuer: no token parts).
    assert set(after_use) >= {
        "chalicelib.authorizer.runtime",
        "chalicelib.storage.hotpath",
        "chalicelib.identity.github_keys",
        "chalicelib.storage.usage",
        "chalicelib.wiring.notifiers",
    }


TOKEN_PROBE = """
import json, sys
import app
from chalicelib.wiring.services import get_services
get_services().access_tokens.issuer
print(json.dumps(sorted(m for m in sys.modules if m.startswith("chalicelib.authorizer"))))
"""


def test_the_token_endpoint_builds_its_issuer_without_the_authorizers_runtime(
    tmp_path: Path,
) -> None:
    from chalicelib.storage.pem import ensure_pem

    pem = tmp_path / "token-signing-key.pem"
    ensure_pem(pem)
    env = env_without_latchkey(
        LATCHKEY_PEPPERS="1:test-pepper",
        AWS_DEFAULT_REGION="us-east-1",
        LATCHKEY_TOKEN_ISSUER="https://latchkey.test/api",
        LATCHKEY_TOKEN_LOCAL_KEY=str(pem),
    )
    assert probe(TOKEN_PROBE, env=env) == []
