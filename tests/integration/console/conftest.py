"""The console in a real browser: Playwright driving Debian's Chromium against the app
served by ``tests/integration/live_api.py`` on this session's DynamoDB Local tables, with
a fake OpenID Connect provider (``tests/fake_issuer.py``) on 127.0.0.1.

One server, one issuer and one browser per session; each test gets its own tenant, a
fresh browser context (no storage shared between tests) and one page. Playwright never
downloads a browser here: ``make install`` installs Debian's ``chromium``, and
``CHROMIUM`` names another binary.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from chalicelib.config.settings import Settings
from chalicelib.wiring.services import build_services
from scripts.dynamodb_local import REPO_ROOT
from tests.fake_issuer import AuthorizationServer
from tests.integration.live_server import live_server

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CLIENT_ID = "latchkey-console"


# First: xdist reads the group when its own hook runs, which is before this one's when
# this folder is named on the command line (its conftest is then loaded before xdist's).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep every console test on one xdist worker (``--dist loadgroup``): one server and
    one browser for all of them, not one per worker."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.xdist_group("console"))


@dataclass(frozen=True)
class Tenant:
    """A tenant made for one test: its id, admin group and admin key."""

    tenant_id: str
    group_id: str
    token: str


@dataclass
class Console:
    """The served app, its issuer, and a way to make tenants and call the API directly."""

    url: str
    settings: Settings
    issuer: AuthorizationServer
    log: Path
    made: list[str] = field(default_factory=list)

    def tenant(self, key_limit: int | None = None) -> Tenant:
        tenant_id = f"ui-{uuid.uuid4().hex[:10]}"
        services = build_services(self.settings)
        made = services.tenants.bootstrap(tenant_id)
        if key_limit is not None:
            services.tenants.set_limit(tenant_id, key_limit)
        self.made.append(made.issued.token)
        return Tenant(tenant_id, made.group_id, made.issued.token)

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        """One API request (as ``key``); returns (status, JSON body)."""
        request = urllib.request.Request(  # noqa: S310 - the local server
            f"{self.url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **({"X-API-Key": key} if key else {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def verify(self, secret: str) -> bool:
        status, body = self.call("POST", "/v1/verify", {"key": secret})
        assert status == 200, body
        return bool(body["valid"])


def server_environment(issuer: AuthorizationServer) -> dict[str, str]:
    """The fake OpenID Connect provider's settings, and usage written at once."""
    return {
        # Usage written at once, so the detail page's chart shows the test's decisions.
        "LATCHKEY_USAGE_FLUSH_SECONDS": "0",
        "LATCHKEY_OIDC_ISSUER": issuer.url,
        "LATCHKEY_OIDC_AUDIENCE": CLIENT_ID,
        "LATCHKEY_CONSOLE_CLIENT_ID": CLIENT_ID,
        "AWS_ACCESS_KEY_ID": "integration",
        "AWS_SECRET_ACCESS_KEY": "integration",
    }


@pytest.fixture(scope="session")
def authorization_server() -> Iterator[AuthorizationServer]:
    with AuthorizationServer(CLIENT_ID) as server:
        yield server


@pytest.fixture(scope="session")
def console_server(
    integration_tables: Settings,
    authorization_server: AuthorizationServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("console") / "server.log"
    extra = server_environment(authorization_server)
    with live_server(integration_tables, log, extra, ready_path="/console") as url:
        yield url, log


@pytest.fixture
def console(
    console_server: tuple[str, Path],
    local_settings: Settings,
    authorization_server: AuthorizationServer,
) -> Console:
    url, log = console_server
    return Console(url, local_settings, authorization_server, log)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make install` (as root on Debian it installs "
            "chromium), or install Chromium and set CHROMIUM=/path/to/it"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _new_page(browser: Browser, locale: str) -> tuple[Page, list[str]]:
    context = browser.new_context(
        locale=locale, viewport={"width": 1360, "height": 900}, base_url=None
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    # Injected by the DevTools protocol, so the page's own CSP (script-src 'self') stays on.
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    return page, problems


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (English); fails the test on a CSP violation or a
    script error."""
    opened, problems = _new_page(browser, "en-US")
    yield opened
    opened.context.close()
    assert problems == [], problems


@pytest.fixture
def german_page(browser: Browser) -> Iterator[Page]:
    opened, problems = _new_page(browser, "de-DE")
    yield opened
    opened.context.close()
    assert problems == [], problems
