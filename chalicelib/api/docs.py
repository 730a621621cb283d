"""The API reference: OpenAPI as JSON and YAML, and Swagger UI with its assets served here.

These routes need no credential and touch no table. Swagger UI's files are vendored in
``chalicelib/static/swagger-ui`` (from the npm package ``swagger-ui-dist``, pinned in
package.json), so the reference works with no CDN.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.api.openapi import document

docs = Blueprint(__name__)
ASSETS = Path(__file__).resolve().parents[1] / "static" / "swagger-ui"
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Latchkey API reference</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});
  </script>
</body>
</html>
"""


@lru_cache(maxsize=2)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@docs.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    return Response(json.dumps(document()), headers={"Content-Type": "application/json"})


@docs.route("/openapi.yaml", methods=["GET"])
def openapi_yaml() -> Response:
    # PyYAML loads here, not at import: no other route needs it, and every cold start of
    # the management API would pay for it (issue 13).
    import yaml

    text = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True)
    return Response(text, headers={"Content-Type": "application/yaml"})


@docs.route("/docs", methods=["GET"])
def swagger_ui() -> Response:
    return Response(PAGE, headers={"Content-Type": "text/html; charset=utf-8"})


@docs.route("/docs/swagger-ui.css", methods=["GET"])
def swagger_css() -> Response:
    return Response(_asset("swagger-ui.css"), headers={"Content-Type": "text/css"})


@docs.route("/docs/swagger-ui-bundle.js", methods=["GET"])
def swagger_js() -> Response:
    return Response(
        _asset("swagger-ui-bundle.js"), headers={"Content-Type": "application/javascript"}
    )
