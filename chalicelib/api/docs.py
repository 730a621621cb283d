"""The API reference: OpenAPI as JSON and YAML, and Swagger UI with its assets served here.

These routes need no credential and touch no table. Swagger UI's files are vendored in
``chalicelib/static/swagger-ui`` (from the npm package ``swagger-ui-dist``, pinned in
package.json), so the reference works with no CDN.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

from chalicelib.api.openapi import document
from chalicelib.wiring.services import get_services

docs = Blueprint(__name__)
ASSETS = Path(__file__).resolve().parents[1] / "static" / "swagger-ui"
# Swagger UI's one inline script; the page's CSP allows exactly this text by its hash.
SCRIPT = """
    window.ui = SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui"});
  """
PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Latchkey API reference</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script>{SCRIPT}</script>
</body>
</html>
"""


# CSP 3 hashes the script element's text exactly as it stands between the tags.
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()


def page_policy(frame_ancestors: str) -> str:
    """The reference page's CSP: its own files, its one inline script by hash, framed only
    where the console may be (both share this origin, and so what a framing site could do)."""
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' 'sha256-{SCRIPT_HASH}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {frame_ancestors}",
        )
    )


def _headers(content_type: str) -> dict[str, str | list[str]]:
    # nosniff: a browser never runs the documents or the stylesheet as anything but their type.
    return {"Content-Type": content_type, "X-Content-Type-Options": "nosniff"}


@lru_cache(maxsize=2)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@docs.route("/openapi.json", methods=["GET"])
def openapi_json() -> Response:
    return Response(json.dumps(document()), headers=_headers("application/json"))


@docs.route("/openapi.yaml", methods=["GET"])
def openapi_yaml() -> Response:
    # PyYAML loads here, not at import: no other route needs it, and every cold start of
    # the management API would pay for it.
    import yaml

    text = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True)
    return Response(text, headers=_headers("application/yaml"))


@docs.route("/docs", methods=["GET"])
def swagger_ui() -> Response:
    headers = _headers("text/html; charset=utf-8")
    headers["Content-Security-Policy"] = page_policy(
        get_services().settings.console.frame_ancestors
    )
    headers["Referrer-Policy"] = "no-referrer"
    return Response(PAGE, headers=headers)


@docs.route("/docs/swagger-ui.css", methods=["GET"])
def swagger_css() -> Response:
    return Response(_asset("swagger-ui.css"), headers=_headers("text/css"))


@docs.route("/docs/swagger-ui-bundle.js", methods=["GET"])
def swagger_js() -> Response:
    return Response(_asset("swagger-ui-bundle.js"), headers=_headers("application/javascript"))
