"""Loading the console and signing in asks for nothing the server refuses."""

from __future__ import annotations

from playwright.sync_api import Page, Response

from tests.integration.console.conftest import Console
from tests.integration.console.steps import sign_in_with_key


def test_no_request_of_the_page_load_and_sign_in_is_refused(page: Page, console: Console) -> None:
    tenant = console.tenant()
    refused: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            refused.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    page.on("requestfailed", lambda request: refused.append(f"failed {request.url}"))
    sign_in_with_key(page, console.url, tenant.token)
    page.wait_for_load_state("networkidle")

    assert refused == []
    # A browser that shows icons would otherwise ask for /favicon.ico, which is no route.
    assert page.locator('link[rel="icon"]').get_attribute("href") == "data:,"
