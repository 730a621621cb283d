"""The console's files and the headers that confine them (``/console``).

The browser tests (tests/integration/console) drive the page; these prove, without a
browser, what every response carries and what the page is allowed to load.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any

import pytest
from chalice.test import Client

from app import app
from chalicelib.api.console import ASSETS, FILES
from chalicelib.config.console import ConsoleSettings
from chalicelib.config.oidc import OidcSettings
from chalicelib.wiring.services import Services, set_services

# Script and style bytes of the first page, each file gzipped as a server would send it.
# Measured at about 31 KB; the budget leaves room for a few more pages, not a framework.
FIRST_PAGE_BUDGET = 40 * 1024
IMPORT = re.compile(r"""^import [^;]*? from '\./([a-z]+\.js)';""", re.MULTILINE)


@pytest.fixture
def console(services: Services) -> Iterator[Client]:
    with Client(app) as client:
        yield client


def configure(services: Services, **settings: Any) -> None:
    set_services(replace(services, settings=replace(services.settings, **settings)))


class Page(HTMLParser):
    """What index.html loads, and anything inline it must not have."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "style" in found or any(name.startswith("on") for name in found):
            self.inline.append(f"{tag} {found}")
        if tag == "style" or (tag == "script" and not found.get("src")):
            self.inline.append(tag)
        source = found.get("src") if tag == "script" else None
        if tag == "link" and found.get("rel") == "stylesheet":
            source = found.get("href")
        if source:
            self.loads.append(source)


def first_page_files() -> set[str]:
    """index.html's scripts and stylesheets and every module they import, transitively."""
    page = Page()
    page.feed((ASSETS / "index.html").read_text())
    pending = [source.removeprefix("console/") for source in page.loads]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name == "theme.css":
            continue
        seen.add(name)
        if name.endswith(".js"):
            pending.extend(IMPORT.findall((ASSETS / name).read_text()))
    return seen


def test_page_is_served_with_a_strict_content_security_policy(console: Client) -> None:
    response = console.http.get("/console")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_page_has_no_inline_script_style_or_handler() -> None:
    page = Page()
    page.feed((ASSETS / "index.html").read_text())

    assert page.inline == []
    assert page.loads == ["console/app.css", "console/theme.css", "console/app.js"]


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_is_served_with_its_type_and_the_same_policy(console: Client, name: str) -> None:
    response = console.http.get(f"/console/{name}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == FILES[name]
    assert response.body.decode() == (ASSETS / name).read_text()
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_module_the_page_loads_is_served() -> None:
    assert first_page_files() <= set(FILES)
    assert {path.name for path in ASSETS.iterdir()} - {"index.html"} == set(FILES)


@pytest.mark.parametrize("name", ["index.html", "settings.py", "app.js.map", "..%2Fconsole.py"])
def test_anything_else_under_console_is_not_found(console: Client, name: str) -> None:
    assert console.http.get(f"/console/{name}").status_code == 404


def test_single_sign_on_adds_the_issuer_and_configured_origins_to_connect_src(
    console: Client, services: Services
) -> None:
    configure(
        services,
        oidc=OidcSettings(issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool"),
        console=ConsoleSettings(
            client_id="client-1",
            connect_origins=("https://acme.auth.eu-west-1.amazoncognito.com",),
        ),
    )

    policy = console.http.get("/console").headers["Content-Security-Policy"]

    assert (
        "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com "
        "https://acme.auth.eu-west-1.amazoncognito.com;"
    ) in policy


def test_frame_ancestors_follow_the_setting(console: Client, services: Services) -> None:
    configure(services, console=ConsoleSettings(frame_ancestors="https://app.vendor.example"))

    policy = console.http.get("/console").headers["Content-Security-Policy"]

    assert policy.endswith("frame-ancestors https://app.vendor.example")


def test_config_offers_single_sign_on_only_when_a_client_is_configured(
    console: Client, services: Services
) -> None:
    assert console.http.get("/console/config.json").json_body == {
        "product_name": "Latchkey",
        "logo_url": None,
        "oidc": None,
    }
    configure(
        services,
        oidc=OidcSettings(issuer="https://issuer.example"),
        console=ConsoleSettings(
            client_id="client-1", product_name="Acme keys", logo_url="/static/acme.svg"
        ),
    )

    assert console.http.get("/console/config.json").json_body == {
        "product_name": "Acme keys",
        "logo_url": "/static/acme.svg",
        "oidc": {"issuer": "https://issuer.example", "client_id": "client-1"},
    }


def test_theme_carries_the_accent_colour(console: Client, services: Services) -> None:
    configure(services, console=ConsoleSettings(accent="#0f766e"))

    response = console.http.get("/console/theme.css")

    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.body.decode() == ":root { --accent: #0f766e; }\n"


def test_first_page_script_and_style_fit_the_budget() -> None:
    files = first_page_files()
    sizes = {name: len(gzip.compress((ASSETS / name).read_bytes(), 9)) for name in files}

    assert {"app.js", "app.css", "strings.js", "keys.js"} <= files
    assert sum(sizes.values()) <= FIRST_PAGE_BUDGET, sizes


def test_scripts_keep_credentials_out_of_storage_cookies_and_markup() -> None:
    scripts = {name: (ASSETS / name).read_text() for name in FILES if name.endswith(".js")}
    text = "\n".join(scripts.values())

    assert "localStorage" not in text
    assert "document.cookie" not in text
    assert "innerHTML" not in text
    assert "insertAdjacentHTML" not in text
    assert "eval(" not in text
    assert "new Function" not in text
    # sessionStorage holds only the PKCE verifier and state across the issuer's redirect.
    assert re.findall(r"sessionStorage\.(\w+)\((\w+)", text) == [
        ("setItem", "PENDING"),
        ("getItem", "PENDING"),
        ("removeItem", "PENDING"),
        ("removeItem", "PENDING"),
    ]
