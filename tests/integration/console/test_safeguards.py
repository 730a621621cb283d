"""The console's safeguards: single sign-on bound to its nonce, the default route of a new
group said out loud, and a question in plain words before an administrator locks itself out.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.integration.console.conftest import Console, Tenant
from tests.integration.console.steps import assert_accessible, screenshot, sign_in_with_key

MANAGER = "Manage API credentials"


def _admin(console: Console, tenant: Tenant, name: str) -> dict[str, Any]:
    """A second key in the tenant's admin group (so neither is the last manager)."""
    status, body = console.call(
        "POST", "/v1/keys", {"name": name, "group_id": tenant.group_id}, tenant.token
    )
    assert status == 201, body
    return dict(body)


def _status(console: Console, tenant: Tenant, key_id: str) -> str:
    status, body = console.call("GET", f"/v1/keys/{key_id}", key=tenant.token)
    assert status == 200, body
    return str(body["status"])


def _person(console: Console, tenant: Tenant) -> None:
    console.issuer.person = {
        "sub": "user-grace",
        "name": "Grace Hopper",
        "email": None,
        "custom:tenant": tenant.tenant_id,
        "cognito:groups": [MANAGER],
    }


def test_single_sign_on_sends_a_nonce_and_the_id_token_carries_it(
    page: Page, console: Console
) -> None:
    _person(console, console.tenant())
    page.goto(f"{console.url}/console")
    page.get_by_role("button", name="Sign in with single sign-on").click()
    expect(page.get_by_text("Signed in as Grace Hopper")).to_be_visible()
    expect(page.get_by_role("button", name="Generate API key")).to_be_enabled()
    assert len(console.issuer.nonces[-1]) >= 22  # 128 random bits, base64url


def test_an_id_token_minted_for_another_sign_in_is_refused(page: Page, console: Console) -> None:
    _person(console, console.tenant())
    console.issuer.foreign_nonce = "minted-for-someone-else"
    try:
        page.goto(f"{console.url}/console")
        page.get_by_role("button", name="Sign in with single sign-on").click()
        expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
        notice = page.get_by_role("main").get_by_role("status")
        expect(notice).to_have_text("Single sign-on did not complete. Try again.")
        assert "Grace Hopper" not in page.content()
        expect(page.get_by_role("button", name="Generate API key")).to_have_count(0)
    finally:
        console.issuer.foreign_nonce = None


def test_the_group_form_says_a_group_left_at_the_default_may_call_every_route(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="Authorization groups").click()
    page.get_by_role("button", name="Create group").click()
    dialog = page.get_by_role("dialog", name="Create authorization group")
    routes = dialog.get_by_label("Routes")
    expect(routes).to_have_value("* /*")
    expect(routes).to_have_accessible_description(
        "One pattern per line, METHOD /path, where * matches anything, e.g. GET /orders/*. "
        "The default, * /*, lets this group's keys call every route of your API: narrow it "
        "to what they need."
    )


def test_revoking_your_own_key_asks_first_and_cancelling_changes_nothing(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    mine = _admin(console, tenant, "My laptop")
    sign_in_with_key(page, console.url, mine["secret"])
    page.get_by_role("button", name="Revoke My laptop").click()
    page.get_by_role("dialog", name="Revoke API key?").get_by_role("button", name="Revoke").click()

    question = page.get_by_role("dialog", name="Lock yourself out?")
    expect(question).to_contain_text("This change takes away your own access")
    assert_accessible(page)
    screenshot(page, "lockout-question", full_page=False)
    question.get_by_role("button", name="Cancel").click()
    expect(question).to_have_count(0)
    revoke = page.get_by_role("dialog", name="Revoke API key?")
    expect(revoke.get_by_role("alert")).to_have_text("Nothing was changed. You kept your access.")
    assert _status(console, tenant, mine["key"]["id"]) == "active"

    revoke.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Lock yourself out?").get_by_role(
        "button", name="Lock me out"
    ).click()
    expect(revoke).to_have_count(0)
    assert _status(console, tenant, mine["key"]["id"]) == "revoked"


def test_an_allowlist_without_your_address_asks_first_in_german(
    german_page: Page, console: Console
) -> None:
    tenant = console.tenant()
    mine = _admin(console, tenant, "Mein Laptop")
    german_page.goto(f"{console.url}/console")
    german_page.get_by_label("Admin-API-Schlüssel").fill(mine["secret"])
    german_page.get_by_role("button", name="Mit Schlüssel anmelden").click()
    german_page.get_by_role("button", name="Mein Laptop bearbeiten").click()
    edit = german_page.get_by_role("dialog", name="API-Schlüssel bearbeiten")
    edit.get_by_label("IP-Freigabeliste").fill("203.0.113.0/24")
    edit.get_by_role("button", name="Speichern").click()

    question = german_page.get_by_role("dialog", name="Sich selbst aussperren?")
    expect(question).to_contain_text("Diese Änderung nimmt Ihnen den eigenen Zugang")
    question.get_by_role("button", name="Abbrechen").click()
    expect(edit).to_be_visible()  # the form stays as it was, unsaved
    status, body = console.call("GET", f"/v1/keys/{mine['key']['id']}", key=tenant.token)
    assert (status, body["ip_allowlist"]) == (200, [])


def test_the_last_manager_is_told_why_its_revocation_was_refused(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    status, me = console.call("GET", "/v1/me", key=tenant.token)
    assert status == 200, me
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("button", name=f"Revoke {me['actor']['name']}").click()
    revoke = page.get_by_role("dialog", name="Revoke API key?")
    revoke.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog", name="Lock yourself out?").get_by_role(
        "button", name="Lock me out"
    ).click()
    expect(revoke.get_by_role("alert")).to_contain_text(
        "This is the last key that can manage keys. Nothing was changed"
    )
    assert _status(console, tenant, me["actor"]["id"]) == "active"
