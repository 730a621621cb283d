"""The keys page: sign-in with a key, the list, usage, reference links, filters, limit."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.integration.console.conftest import Console
from tests.integration.console.steps import assert_accessible, screenshot, sign_in_with_key


def test_signing_in_with_a_key_shows_the_keys_with_usage_and_reference_links(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    group = console.call(
        "POST", "/v1/groups", {"name": "Order readers", "routes": ["GET /orders/*"]}, tenant.token
    )[1]
    for name in ("ERP integration", "Mobile app"):
        console.call("POST", "/v1/keys", {"name": name, "group_id": group["id"]}, tenant.token)

    sign_in_with_key(page, console.url, tenant.token)

    expect(page.get_by_text("3/10 keys")).to_be_visible()
    table = page.get_by_role("table", name="API keys, newest first")
    expect(table.get_by_role("row")).to_have_count(4)
    row = table.get_by_role("row").filter(has_text="ERP integration")
    expect(row.get_by_text("Active")).to_be_visible()
    expect(row.get_by_text("Valid")).to_be_visible()
    expect(row.get_by_text("Order readers")).to_be_visible()
    expect(page.get_by_role("link", name="Swagger UI")).to_have_attribute("href", "docs")
    expect(page.get_by_role("link", name="JSON schema")).to_have_attribute("href", "openapi.json")
    expect(page.get_by_role("link", name="YAML schema")).to_have_attribute("href", "openapi.yaml")
    assert_accessible(page)
    screenshot(page, "keys")
