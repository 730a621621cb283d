"""The keys page: sign-in with a key, the list, usage, reference links, filters, limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    keys = {}
    for name, fields in (
        ("Legacy importer", {}),
        ("Mobile app", {"expires_at": soon}),
        ("ERP integration", {"expires_at": "2027-12-31T23:59:59Z"}),
    ):
        body = {"name": name, "group_id": group["id"], **fields}
        keys[name] = console.call("POST", "/v1/keys", body, tenant.token)[1]
    console.call(
        "POST", f"/v1/keys/{keys['Legacy importer']['key']['id']}/revoke", key=tenant.token
    )
    assert console.verify(keys["ERP integration"]["secret"])

    sign_in_with_key(page, console.url, tenant.token)

    # The revoked key freed its slot: the admin key and two others count.
    expect(page.get_by_text("3/10 keys")).to_be_visible()
    table = page.get_by_role("table", name="API keys, newest first")
    expect(table.locator("tbody tr")).to_have_count(4)
    erp = table.get_by_role("row").filter(has_text="ERP integration")
    expect(erp.get_by_text("Active")).to_be_visible()
    expect(erp.get_by_text("Valid")).to_be_visible()
    expect(erp.get_by_text("Order readers")).to_be_visible()
    # Cells after the row header: status, expiry, group, expires at, created, last used.
    expect(erp.get_by_role("cell").nth(5).locator("time")).to_have_count(1)
    mobile = table.get_by_role("row").filter(has_text="Mobile app")
    expect(mobile.get_by_text("Expiring soon")).to_be_visible()
    expect(mobile.get_by_role("cell").nth(5)).to_have_text("Never")
    legacy = table.get_by_role("row").filter(has_text="Legacy importer")
    expect(legacy.get_by_text("Revoked")).to_be_visible()
    expect(page.get_by_role("link", name="Swagger UI")).to_have_attribute("href", "docs")
    expect(page.get_by_role("link", name="JSON schema")).to_have_attribute("href", "openapi.json")
    expect(page.get_by_role("link", name="YAML schema")).to_have_attribute("href", "openapi.yaml")
    assert_accessible(page)
    screenshot(page, "keys")
