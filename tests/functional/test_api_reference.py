"""The OpenAPI document, its YAML twin and Swagger UI, served by the app itself."""

from __future__ import annotations

import json
from typing import Any

import yaml
from chalice.test import Client

from app import app
from chalicelib.api.operations import OPERATIONS


def get(path: str) -> Any:
    with Client(app) as client:
        return client.http.get(path)


def test_spec_documents_exactly_the_routes_the_app_serves() -> None:
    spec = json.loads(get("/openapi.json").body)
    documented = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    served = {
        (method, path)
        for path, methods in app.routes.items()
        for method in methods
        if path.startswith("/v1/")
    }
    assert documented == served
    assert len(OPERATIONS) == len(served)


def test_spec_is_openapi_3_1_with_resolvable_references() -> None:
    spec = json.loads(get("/openapi.json").body)
    assert spec["openapi"] == "3.1.0"
    text = json.dumps(spec)
    for name in spec["components"]["schemas"]:
        assert f'"#/components/schemas/{name}"' in text or name in ("Problem",)
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(spec["components"]["schemas"])


def test_request_bodies_come_from_the_models_the_routes_parse() -> None:
    spec = json.loads(get("/openapi.json").body)
    create = spec["components"]["schemas"]["KeyCreate"]
    assert create["required"] == ["name", "group_id"]
    assert create["properties"]["name"]["maxLength"] == 200
    assert create["additionalProperties"] is False


def test_yaml_says_the_same_as_json() -> None:
    response = get("/openapi.yaml")
    assert response.headers["Content-Type"] == "application/yaml"
    assert yaml.safe_load(response.body) == json.loads(get("/openapi.json").body)


def test_swagger_ui_is_served_without_a_cdn() -> None:
    page = get("/docs")
    assert page.status_code == 200
    html = page.body.decode()
    assert "http://" not in html
    assert "https://" not in html
    for asset in ("docs/swagger-ui.css", "docs/swagger-ui-bundle.js"):
        assert asset in html
        served = get("/" + asset)
        assert served.status_code == 200
        assert len(served.body) > 10_000


def test_every_reference_in_the_spec_resolves() -> None:
    spec = json.loads(get("/openapi.json").body)
    text = json.dumps(spec)
    assert "#/$defs/" not in text
    refs = {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert refs <= set(spec["components"]["schemas"]), refs - set(spec["components"]["schemas"])


def test_rotate_documents_both_a_first_answer_and_a_replay_at_200() -> None:
    spec = json.loads(get("/openapi.json").body)
    ok = spec["paths"]["/v1/keys/{key_id}/rotate"]["post"]["responses"]["200"]
    one_of = ok["content"]["application/json"]["schema"]["oneOf"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in one_of] == ["KeyWithSecret", "KeyReplay"]


def test_a_query_parameter_carries_its_description_where_clients_read_it() -> None:
    spec = json.loads(get("/openapi.json").body)
    usage = {p["name"]: p for p in spec["paths"]["/v1/usage"]["get"]["parameters"]}
    assert "30 days ending at `to`" in usage["from"]["description"]
    assert "366 days" in usage["to"]["description"]
    queries = [
        parameter
        for item in spec["paths"].values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]
    assert [p["name"] for p in queries if "description" in p["schema"]] == []


def test_the_reference_says_a_group_without_routes_may_call_every_route() -> None:
    spec = json.loads(get("/openapi.json").body)
    routes = spec["components"]["schemas"]["GroupCreate"]["properties"]["routes"]
    assert routes["default"] == ["* /*"]
    assert "every route" in routes["description"]
