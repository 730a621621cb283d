"""The console at ``/console``: one page, one ES module script tree and one stylesheet.

The page is a client of the public ``/v1`` API and nothing else; this module only serves
its files, its white-label settings (``/console/config.json`` and ``/console/theme.css``)
and the headers that confine it. The Content-Security-Policy allows no inline script or
style, fetches only to this origin and the OpenID Connect issuer (the PKCE code exchange
is a fetch to the issuer's token endpoint), and framing only by the configured ancestors.
These routes need no credential and touch no table.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from chalice import Blueprint, NotFoundError, Response

from chalicelib.config.settings import Settings
from chalicelib.wiring.services import get_services

console = Blueprint(__name__)
ASSETS = Path(__file__).resolve().parents[1] / "static" / "console"
# Every file the page may load, and its type. Anything else is a 404: the name in the path
# never reaches the file system unchecked.
MODULES = (
    "app",
    "api",
    "auth",
    "audit",
    "chart",
    "dialogs",
    "dom",
    "forms",
    "groups",
    "keys",
    "lockout",
)
FILES = {
    **{f"{name}.js": "text/javascript; charset=utf-8" for name in (*MODULES, "strings")},
    "app.css": "text/css; charset=utf-8",
}
HTML = "text/html; charset=utf-8"


def content_security_policy(settings: Settings) -> str:
    """The policy of every console response (see the module docstring)."""
    connect = ["'self'"]
    if settings.oidc.issuer and settings.console.client_id:
        issuer = urlsplit(settings.oidc.issuer)
        connect.append(f"{issuer.scheme}://{issuer.netloc}")
        connect.extend(settings.console.connect_origins)
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {' '.join(dict.fromkeys(connect))}",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {settings.console.frame_ancestors}",
        )
    )


def _settings() -> Settings:
    # Through the services, so tests inject settings the way they inject everything else.
    return get_services().settings


def _headers(content_type: str) -> dict[str, str | list[str]]:
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": content_security_policy(_settings()),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        # The page may hold a credential in memory: never keep a copy of it in a cache.
        "Cache-Control": "no-store",
    }


@lru_cache(maxsize=len(FILES) + 1)
def _read(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@console.route("/console", methods=["GET"])
def page() -> Response:
    return Response(_read("index.html"), headers=_headers(HTML))


def config() -> Response:
    """What the page needs before anyone signs in: its name, logo and sign-in options."""
    settings = _settings()
    oidc = None
    if settings.oidc.issuer and settings.console.client_id:
        oidc = {"issuer": settings.oidc.issuer, "client_id": settings.console.client_id}
    body = {
        "product_name": settings.console.product_name,
        "logo_url": settings.console.logo_url or None,
        "oidc": oidc,
    }
    return Response(json.dumps(body), headers=_headers("application/json"))


def theme() -> Response:
    """The accent colour as a stylesheet: style-src 'self' forbids setting it inline."""
    # parse_accent allowed only #rrggbb, so nothing here can close the rule.
    css = f":root {{ --accent: {_settings().console.accent}; }}\n"
    return Response(css, headers=_headers("text/css; charset=utf-8"))


@console.route("/console/{name}", methods=["GET"])
def asset(name: str) -> Response:
    """A file of the page, or one of the two answers made from settings."""
    if name in GENERATED:
        return GENERATED[name]()
    content_type = FILES.get(name)
    if content_type is None:
        raise NotFoundError(name)
    return Response(_read(name), headers=_headers(content_type))


GENERATED = {"config.json": config, "theme.css": theme}
