"""Generate, the secret once, edit, rotate with grace and revoke, through the console."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.integration.console.conftest import Console, Tenant
from tests.integration.console.steps import assert_accessible, screenshot, sign_in_with_key


def _group(console: Console, tenant: Tenant, name: str = "Order readers") -> str:
    status, body = console.call(
        "POST", "/v1/groups", {"name": name, "routes": ["GET /orders/*"]}, tenant.token
    )
    assert status == 201, body
    return str(body["id"])


def _key(console: Console, tenant: Tenant, group_id: str, name: str, **fields: object) -> str:
    status, body = console.call(
        "POST", "/v1/keys", {"name": name, "group_id": group_id, **fields}, tenant.token
    )
    assert status == 201, body
    return str(body["key"]["id"])


def test_generated_secret_is_shown_once_works_and_leaves_the_page(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    _group(console, tenant)
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("button", name="Generate API key").click()
    expect(page.get_by_role("heading", level=1, name="Generate API key")).to_be_visible()

    # The API refuses a one-letter name and a bad CIDR; the console says so by each field.
    page.get_by_label("Key name").fill("E")
    page.get_by_label("IP allowlist").fill("203.0.113.0/24\n300.1.1.1")
    page.get_by_role("button", name="Generate").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name="Enter a key name of 2 to 200 characters.")
    ).to_be_visible()
    expect(summary.get_by_role("link", name="Choose an authorization group.")).to_be_visible()
    expect(page.get_by_label("IP allowlist")).to_have_accessible_description(
        "One IP address or CIDR range per line, for example 203.0.113.0/24. Leave empty to "
        "allow any address. Error: Line 2 is not a valid IP address or CIDR range."
    )
    assert_accessible(page)
    screenshot(page, "generate-errors")

    page.get_by_label("Key name").fill("ERP integration")
    page.get_by_label("Description").fill("Nightly order export")
    page.get_by_label("Authorization group").select_option(label="Order readers")
    page.get_by_label("Expiration date").fill("2030-06-30")
    page.get_by_label("IP allowlist").fill("")
    page.get_by_role("button", name="Generate").click()

    dialog = page.get_by_role("dialog", name="Copy your API key")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("it will not be shown again")
    secret_box = dialog.get_by_label("Secret")
    expect(secret_box).to_have_attribute("type", "password")
    dialog.get_by_role("button", name="Show secret").click()
    expect(secret_box).to_have_attribute("type", "text")
    secret = secret_box.input_value()
    assert console.verify(secret)
    _status, listed = console.call("GET", "/v1/keys", key=tenant.token)
    made = next(key for key in listed["keys"] if key["name"] == "ERP integration")
    assert made["expires_at"] == "2030-06-30T23:59:59Z"
    assert made["description"] == "Nightly order export"
    assert_accessible(page)
    screenshot(page, "secret", full_page=False)

    # Closing before copying asks first.
    page.keyboard.press("Escape")
    expect(dialog.get_by_text("Close anyway?")).to_be_visible()
    dialog.get_by_role("button", name="Go back").click()
    dialog.get_by_role("button", name="Copy", exact=True).click()
    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    dialog.get_by_role("button", name="Close").click()

    expect(dialog).to_have_count(0)
    expect(page.get_by_role("heading", level=1, name="API keys")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="ERP integration")).to_be_visible()
    assert secret not in page.content()
    assert secret not in page.evaluate("JSON.stringify({...sessionStorage, ...localStorage})")


def test_closing_the_secret_without_copying_asks_close_anyway(page: Page, console: Console) -> None:
    tenant = console.tenant()
    _group(console, tenant)
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("button", name="Generate API key").click()
    page.get_by_label("Key name").fill("Mobile app")
    page.get_by_label("Authorization group").select_option(label="Order readers")
    page.get_by_role("button", name="Generate").click()
    dialog = page.get_by_role("dialog", name="Copy your API key")
    secret = dialog.get_by_label("Secret").input_value()

    dialog.get_by_role("button", name="Close").click()
    expect(dialog.get_by_text("You have not copied the secret.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "secret-close-anyway", full_page=False)
    dialog.get_by_role("button", name="Close anyway").click()

    expect(dialog).to_have_count(0)
    assert secret not in page.content()


def test_edit_changes_name_group_and_allowlist_and_shows_the_expiry_read_only(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    readers = _group(console, tenant)
    _group(console, tenant, "Order writers")
    key_id = _key(console, tenant, readers, "ERP", expires_at="2099-12-31T23:59:59Z")
    sign_in_with_key(page, console.url, tenant.token)

    page.get_by_role("button", name="Edit ERP").click()
    dialog = page.get_by_role("dialog", name="Edit API key")
    expect(dialog.get_by_label("Key name")).to_have_value("ERP")
    expect(
        dialog.get_by_text("The expiry cannot be edited. Rotate the key to set a new one.")
    ).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Expiration date")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "edit", full_page=False)
    dialog.get_by_label("Key name").fill("ERP integration")
    dialog.get_by_label("Authorization group").select_option(label="Order writers")
    dialog.get_by_label("IP allowlist").fill("203.0.113.0/24")
    dialog.get_by_role("button", name="Save").click()

    expect(dialog).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="ERP integration")
    expect(row.get_by_text("Order writers")).to_be_visible()
    _status, key = console.call("GET", f"/v1/keys/{key_id}", key=tenant.token)
    assert (key["name"], key["group"]["name"], key["ip_allowlist"]) == (
        "ERP integration",
        "Order writers",
        ["203.0.113.0/24"],
    )
    assert key["expires_at"].startswith("2099-12-31")


def test_rotate_with_grace_warns_then_shows_the_new_secret_and_the_old_one_still_works(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    group_id = _group(console, tenant)
    _status, made = console.call(
        "POST", "/v1/keys", {"name": "ERP", "group_id": group_id}, tenant.token
    )
    old_secret = made["secret"]
    sign_in_with_key(page, console.url, tenant.token)

    page.get_by_role("button", name="Rotate ERP").click()
    dialog = page.get_by_role("dialog", name="Rotate API key ERP?")
    expect(dialog).to_contain_text("Applications using the current secret lose access immediately.")
    dialog.get_by_label("Grace period for the current secret").select_option(label="1 hour")
    expect(dialog).to_contain_text(
        "Applications using the current secret lose access after 1 hour."
    )
    assert_accessible(page)
    screenshot(page, "rotate", full_page=False)
    dialog.get_by_role("button", name="Rotate").click()

    secret_dialog = page.get_by_role("dialog", name="Copy your API key")
    new_secret = secret_dialog.get_by_label("Secret").input_value()
    assert new_secret != old_secret
    assert console.verify(new_secret)
    assert console.verify(old_secret)  # inside the hour's grace
    secret_dialog.get_by_role("button", name="Copy", exact=True).click()
    secret_dialog.get_by_role("button", name="Close").click()
    expect(secret_dialog).to_have_count(0)
    assert new_secret not in page.content()


def test_revoke_asks_in_the_product_pages_words_and_the_key_shows_revoked(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    group_id = _group(console, tenant)
    _status, made = console.call(
        "POST", "/v1/keys", {"name": "Mobile app", "group_id": group_id}, tenant.token
    )
    sign_in_with_key(page, console.url, tenant.token)

    page.get_by_role("button", name="Revoke Mobile app").click()
    dialog = page.get_by_role("dialog", name="Revoke API key?")
    expect(dialog).to_contain_text(
        "Are you sure you want to revoke the API key Mobile app? This action cannot be undone "
        "and any applications using this key will lose access immediately."
    )
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "revoke", full_page=False)
    dialog.get_by_role("button", name="Revoke").click()

    expect(dialog).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Mobile app")
    expect(row.get_by_text("Revoked")).to_be_visible()
    expect(row.get_by_role("button")).to_have_count(0)
    assert not console.verify(made["secret"])
    expect(page.get_by_text("1/10 keys")).to_be_visible()


def test_the_edit_dialog_works_from_the_keyboard_and_gives_focus_back(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    _key(console, tenant, _group(console, tenant), "ERP")
    page.goto(f"{console.url}/console")
    page.get_by_label("Admin API key").fill(tenant.token)
    page.keyboard.press("Enter")
    edit = page.get_by_role("button", name="Edit ERP")
    expect(edit).to_be_visible()

    for _ in range(40):
        page.keyboard.press("Tab")
        if edit.evaluate("button => button === document.activeElement"):
            break
    expect(edit).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Edit API key")
    name = dialog.get_by_label("Key name")
    expect(name).to_be_focused()
    # Focus stays inside: Shift+Tab from the first control reaches the last, Tab wraps back.
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Tab")
    expect(name).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(edit).to_be_focused()

    page.keyboard.press("Enter")
    expect(name).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" integration")
    page.keyboard.press("Enter")
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("button", name="Edit ERP integration")).to_be_visible()
