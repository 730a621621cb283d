"""Who signs in and how: a key, a person through OpenID Connect (code + PKCE), roles,
signing out, and the browser's language."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.integration.console.conftest import Console
from tests.integration.console.steps import assert_accessible, screenshot, sign_in_with_key

MANAGER = "Manage API credentials"
READER = "Read API credentials"


def _person(console: Console, tenant_id: str, name: str, role: str) -> None:
    console.issuer.person = {
        "sub": f"user-{name.split()[0].lower()}",
        "name": name,
        "email": None,
        "custom:tenant": tenant_id,
        "cognito:groups": [role],
    }


def _stored(page: Page) -> str:
    """Everything the page could have left behind: both storages and its cookies."""
    storages = page.evaluate("JSON.stringify([{...localStorage}, {...sessionStorage}])")
    return f"{storages} {page.context.cookies()} {page.evaluate('document.cookie')}"


def test_sign_in_page_offers_single_sign_on_and_a_key(page: Page, console: Console) -> None:
    page.goto(f"{console.url}/console")

    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in with single sign-on")).to_be_visible()
    expect(page.get_by_label("Admin API key")).to_have_attribute("type", "password")
    page.get_by_role("button", name="Sign in with key").click()
    expect(page.get_by_label("Admin API key")).to_have_accessible_description(
        "A key whose group grants keys:manage or keys:read. It is kept in this tab's memory "
        "only. Error: Enter an admin API key"
    )
    page.get_by_label("Admin API key").fill("lk_test_not-a-real-key")
    page.get_by_role("button", name="Sign in with key").click()
    expect(page.get_by_role("alert")).to_contain_text("This key was not accepted.")
    assert_accessible(page)
    screenshot(page, "sign-in")


def test_a_person_signs_in_with_oidc_code_and_pkce(page: Page, console: Console) -> None:
    tenant = console.tenant()
    _person(console, tenant.tenant_id, "Grace Hopper", MANAGER)
    page.goto(f"{console.url}/console")

    page.get_by_role("button", name="Sign in with single sign-on").click()

    expect(page.get_by_role("heading", level=1, name="API keys")).to_be_visible()
    expect(page.get_by_text("Signed in as Grace Hopper")).to_be_visible()
    expect(page.get_by_role("button", name="Generate API key")).to_be_enabled()
    exchange = console.issuer.exchanges[-1]
    assert exchange["grant_type"] == "authorization_code"
    assert len(exchange["code_verifier"]) >= 43
    # The code left the address bar, and the verifier left sessionStorage, at once.
    assert "code=" not in page.url
    assert _stored(page) == "[{},{}] [] "

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert "Grace Hopper" not in page.content()


def test_a_read_only_person_sees_every_page_but_no_write_control(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    _status, groups = console.call("GET", "/v1/groups", key=tenant.token)
    console.call(
        "POST", "/v1/keys", {"name": "ERP", "group_id": groups["groups"][0]["id"]}, tenant.token
    )
    _person(console, tenant.tenant_id, "Ada Reader", READER)
    page.goto(f"{console.url}/console")
    page.get_by_role("button", name="Sign in with single sign-on").click()

    expect(page.get_by_role("heading", level=1, name="API keys")).to_be_visible()
    expect(page.get_by_text("read only")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="ERP")).to_be_visible()
    main = page.get_by_role("main")
    expect(main.get_by_role("button")).to_have_count(0)
    page.get_by_role("link", name="ERP").click()
    expect(page.get_by_role("heading", level=1, name="ERP")).to_be_visible()
    expect(main.get_by_role("button")).to_have_count(0)
    page.get_by_role("link", name="Authorization groups").click()
    expect(page.get_by_role("heading", level=1, name="Authorization groups")).to_be_visible()
    expect(main.get_by_role("button")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "read-only-groups")


def test_signing_out_leaves_no_credential_in_storage_cookies_or_the_page(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    assert tenant.token not in page.content()
    assert tenant.token not in _stored(page)
    assert _stored(page) == "[{},{}] [] "
    # Nothing survives a reload either: the key was only ever in the page's memory.
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_a_german_browser_gets_the_german_console(german_page: Page, console: Console) -> None:
    tenant = console.tenant()
    german_page.goto(f"{console.url}/console")
    expect(german_page.get_by_role("heading", level=1, name="Anmelden")).to_be_visible()
    assert german_page.evaluate("document.documentElement.lang") == "de"

    german_page.get_by_label("Admin-API-Schlüssel").fill(tenant.token)
    german_page.get_by_role("button", name="Mit Schlüssel anmelden").click()

    expect(german_page.get_by_role("heading", level=1, name="API-Schlüssel")).to_be_visible()
    expect(german_page.get_by_text("1/10 Schlüssel")).to_be_visible()
    expect(german_page.get_by_role("button", name="API-Schlüssel erzeugen")).to_be_visible()
    assert_accessible(german_page)
    screenshot(german_page, "keys-de")
