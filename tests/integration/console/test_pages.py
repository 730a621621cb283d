"""Filters, the key limit, a key's detail page, groups and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from tests.integration.console.conftest import Console, Tenant
from tests.integration.console.steps import assert_accessible, screenshot, sign_in_with_key


def _group(console: Console, tenant: Tenant, name: str, routes: list[str]) -> str:
    status, body = console.call(
        "POST", "/v1/groups", {"name": name, "routes": routes}, tenant.token
    )
    assert status == 201, body
    return str(body["id"])


def _key(
    console: Console, tenant: Tenant, group_id: str, name: str, **fields: object
) -> dict[str, Any]:
    status, body = console.call(
        "POST", "/v1/keys", {"name": name, "group_id": group_id, **fields}, tenant.token
    )
    assert status == 201, body
    return dict(body)


def test_filters_show_only_keys_of_the_chosen_status_and_expiry(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    group_id = _group(console, tenant, "Order readers", ["GET /orders/*"])
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _key(console, tenant, group_id, "Expiring ERP", expires_at=soon)
    old = _key(console, tenant, group_id, "Retired app")
    console.call("POST", f"/v1/keys/{old['key']['id']}/revoke", key=tenant.token)
    sign_in_with_key(page, console.url, tenant.token)
    rows = page.get_by_role("table", name="API keys, newest first").locator("tbody tr")
    expect(rows).to_have_count(3)

    page.get_by_label("Status").select_option(label="Revoked")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Retired app")
    expect(rows.first.get_by_text("Revoked")).to_be_visible()

    page.get_by_label("Status").select_option(label="All statuses")
    page.get_by_label("Expiry", exact=True).select_option(label="Expiring soon")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Expiring ERP")
    expect(rows.first.get_by_text("Expiring soon")).to_be_visible()
    screenshot(page, "keys-filtered")


def test_the_list_pages_through_keys_twenty_at_a_time(page: Page, console: Console) -> None:
    tenant = console.tenant(key_limit=30)
    for number in range(1, 22):
        _key(console, tenant, tenant.group_id, f"Integration {number:02}")
    sign_in_with_key(page, console.url, tenant.token)
    rows = page.get_by_role("table", name="API keys, newest first").locator("tbody tr")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("Integration 21")
    expect(page.get_by_role("button", name="Previous page")).to_have_count(0)

    page.get_by_role("button", name="Next page").click()

    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Integration 01")
    expect(rows.last).to_contain_text("Admin key")
    expect(page.get_by_role("button", name="Next page")).to_have_count(0)
    page.get_by_role("button", name="Previous page").click()
    expect(rows).to_have_count(20)


def test_at_the_limit_generate_is_disabled_and_says_why(page: Page, console: Console) -> None:
    tenant = console.tenant(key_limit=2)
    _key(console, tenant, tenant.group_id, "ERP")
    sign_in_with_key(page, console.url, tenant.token)

    expect(page.get_by_text("2/2 keys")).to_be_visible()
    generate = page.get_by_role("button", name="Generate API key")
    expect(generate).to_be_disabled()
    expect(generate).to_have_accessible_description(
        "You have reached your limit of 2 keys. Revoke a key to free a slot, or contact "
        "support to raise the limit."
    )
    assert_accessible(page)
    screenshot(page, "keys-limit")


def test_key_detail_shows_fields_a_usage_chart_and_audit_events(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    group_id = _group(console, tenant, "Order readers", ["GET /orders/*"])
    made = _key(console, tenant, group_id, "ERP integration", ip_allowlist="203.0.113.0/24")
    for route in ("GET /orders/1", "GET /orders/2", "GET /orders/3", "DELETE /orders/1"):
        console.call(
            "POST",
            "/v1/verify",
            {"key": made["secret"], "route": route, "source_ip": "203.0.113.9"},
        )
    console.call("PATCH", f"/v1/keys/{made['key']['id']}", {"description": "Nightly"}, tenant.token)
    sign_in_with_key(page, console.url, tenant.token)

    page.get_by_role("link", name="ERP integration").click()

    expect(page.get_by_role("heading", level=1, name="ERP integration")).to_be_visible()
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text("203.0.113.0/24")
    expect(details).to_contain_text("Nightly")
    # The allowlist (and the group's routes) keep this key's tokens from JWT authorizers.
    expect(
        details.get_by_role("definition").filter(has_text="Accepted only by Latchkey")
    ).to_be_visible()
    chart = page.get_by_role("img", name="3 allowed and 1 denied requests", exact=False)
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart__allowed")).to_have_count(30)
    events = page.get_by_role("region", name="Audit events")
    expect(events.get_by_role("cell", name="Key created")).to_be_visible()
    expect(events.get_by_role("cell", name="Key edited")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "key-detail")


def test_groups_are_created_edited_and_a_group_in_use_is_not_deleted(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="Authorization groups").click()
    page.get_by_role("button", name="Create group").click()
    dialog = page.get_by_role("dialog", name="Create authorization group")
    dialog.get_by_label("Group name").fill("Order readers")
    dialog.get_by_label("Permissions").fill("orders:read")
    dialog.get_by_label("Routes").fill("GET /orders/*\nFETCH /orders")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Routes")).to_have_accessible_description(
        "One pattern per line, METHOD /path, where * matches anything, e.g. GET /orders/*. "
        "The default, * /*, lets this group's keys call every route of your API: narrow it "
        "to what they need. Error: Line 2 is not a route pattern like GET /orders/*."
    )
    assert_accessible(page)
    screenshot(page, "group-errors", full_page=False)
    dialog.get_by_label("Routes").fill("GET /orders/*")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Order readers")
    expect(row).to_contain_text("orders:read")

    row.get_by_role("button", name="Edit Order readers").click()
    dialog = page.get_by_role("dialog", name="Edit authorization group")
    dialog.get_by_label("Routes").fill("GET /orders/*\nPOST /orders")
    dialog.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("POST /orders")

    _status, groups = console.call("GET", "/v1/groups", key=tenant.token)
    group = next(g for g in groups["groups"] if g["name"] == "Order readers")
    made = _key(console, tenant, group["id"], "ERP")
    page.reload()  # signed out by the reload: memory only
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="Authorization groups").click()
    page.get_by_role("button", name="Delete Order readers").click()
    dialog = page.get_by_role("dialog", name="Delete group Order readers?")
    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "The group Order readers cannot be deleted while active keys use it. Move those keys "
        "to another group, or revoke them, first."
    )
    assert_accessible(page)
    screenshot(page, "group-in-use", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()

    console.call("POST", f"/v1/keys/{made['key']['id']}/revoke", key=tenant.token)
    page.get_by_role("button", name="Delete Order readers").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("row").filter(has_text="Order readers")).to_have_count(0)
    screenshot(page, "groups")


def test_audit_trail_filters_by_action(page: Page, console: Console) -> None:
    tenant = console.tenant()
    made = _key(console, tenant, tenant.group_id, "Retired app")
    console.call("POST", f"/v1/keys/{made['key']['id']}/revoke", key=tenant.token)
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="Audit trail").click()
    table = page.get_by_role("table", name="Audit events, newest first")
    expect(table.get_by_role("cell", name="Key created")).to_have_count(2)

    page.get_by_label("Action").select_option(label="Key revoked")
    page.get_by_role("button", name="Apply filters").click()

    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.get_by_role("cell", name="Key revoked")).to_be_visible()
    expect(table).to_contain_text(made["key"]["id"])
    assert_accessible(page)
    screenshot(page, "audit")


def test_api_reference_page_links_swagger_ui_and_both_schemas(page: Page, console: Console) -> None:
    tenant = console.tenant()
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="API reference").click()
    expect(page.get_by_role("heading", level=1, name="API reference")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="JSON schema")).to_have_attribute(
        "download", "openapi.json"
    )
    expect(main.get_by_role("link", name="YAML schema")).to_have_attribute(
        "download", "openapi.yaml"
    )
    assert_accessible(page)
    screenshot(page, "reference")
    main.get_by_role("link", name="Swagger UI").click()
    expect(page).to_have_url(f"{console.url}/docs")
