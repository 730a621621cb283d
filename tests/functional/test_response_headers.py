"""Headers that keep answers out of caches and confine the API reference's pages.

An answer holding a secret must not be kept by a browser's or a proxy's cache; the
reference pages share the console's origin, so they are confined like it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.api.endpoint import carries_secret
from chalicelib.api.operations import OPERATIONS
from chalicelib.wiring.services import Services, set_services
from tests.functional.conftest import create_key, json_of
from tests.support.api import Api, Tenant


def _no_store(response: Any) -> bool:
    headers = response.headers
    return bool(headers.get("Cache-Control") == "no-store" and headers.get("Pragma") == "no-cache")


def test_the_routes_that_answer_with_a_secret_are_the_ones_that_issue_one() -> None:
    # Derived from the response models, so a new route answering with a secret is covered
    # by the same header without anyone remembering to ask for it.
    secret_routes = {(op.method, op.path) for op in OPERATIONS if carries_secret(op.response)}
    assert secret_routes == {
        ("POST", "/v1/keys"),
        ("POST", "/v1/keys/{key_id}/rotate"),
        ("POST", "/v1/webhooks"),
        ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"),
        ("POST", "/v1/platform/tenants/{tenant_id}/admin-keys"),
    }


def test_a_created_key_s_answer_is_never_stored_by_a_cache(api: Api, acme: Tenant) -> None:
    response = api.call("POST", "/v1/keys", {"name": "Billing", "group_id": acme.group_id})
    assert response.status_code == 201
    assert "secret" in json_of(response)
    assert _no_store(response)


def test_a_rotation_s_answer_is_never_stored_by_a_cache(api: Api, acme: Tenant) -> None:
    key_id = create_key(api, acme.group_id)["key"]["id"]
    response = api.call("POST", f"/v1/keys/{key_id}/rotate", {})
    assert response.status_code == 200
    assert "secret" in json_of(response)
    assert _no_store(response)


def test_replays_and_refusals_of_secret_routes_are_not_stored_either(
    api: Api, acme: Tenant
) -> None:
    body = {"name": "Billing", "group_id": acme.group_id}
    once = {"Idempotency-Key": "no-store-replay"}
    assert api.call("POST", "/v1/keys", body, headers=once).status_code == 201
    replay = api.call("POST", "/v1/keys", body, headers=once)
    refused = api.call("POST", "/v1/keys", {"name": "x", "group_id": acme.group_id})
    assert (replay.status_code, refused.status_code) == (200, 422)
    assert _no_store(replay)
    assert _no_store(refused)


def test_answers_without_a_secret_keep_their_usual_headers(api: Api, acme: Tenant) -> None:
    key_id = create_key(api, acme.group_id)["key"]["id"]
    assert "Cache-Control" not in api.call("GET", f"/v1/keys/{key_id}").headers


@pytest.mark.parametrize(
    "path",
    [
        "/docs",
        "/openapi.json",
        "/openapi.yaml",
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
    ],
)
def test_the_reference_is_never_sniffed_as_another_type(api: Api, path: str) -> None:
    response = api.call("GET", path)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _policy(api: Api) -> dict[str, str]:
    header = api.call("GET", "/docs").headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def test_swagger_ui_runs_only_its_own_files_and_its_one_inline_script(api: Api) -> None:
    html = api.call("GET", "/docs").body.decode()
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    policy = _policy(api)
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'none'"
    assert "unsafe-inline" not in str(policy)


def test_swagger_ui_is_framed_only_where_the_console_may_be(api: Api, services: Services) -> None:
    assert _policy(api)["frame-ancestors"] == "'none'"
    console = replace(services.settings.console, frame_ancestors="https://app.vendor.example")
    settings = replace(services.settings, console=console)
    set_services(replace(services, settings=settings))
    assert _policy(api)["frame-ancestors"] == "https://app.vendor.example"
