"""A slow answer for a page the person has left never paints over the page they are on."""

from __future__ import annotations

from playwright.sync_api import Page, Route, expect

from tests.integration.console.conftest import Console
from tests.integration.console.steps import sign_in_with_key

SETTLE_MS = 500  # time for a released answer to be rendered, had it been going to be


class Held:
    """Requests held back until the test lets them through: a slow network, on demand."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def __call__(self, route: Route) -> None:
        self.routes.append(route)

    def release(self) -> None:
        for route in self.routes:
            route.continue_()


def test_a_key_page_answered_after_leaving_it_does_not_replace_the_groups_page(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    status, made = console.call(
        "POST", "/v1/keys", {"name": "Slow key", "group_id": tenant.group_id}, tenant.token
    )
    assert status == 201, made
    key_id = made["key"]["id"]
    held = Held()
    page.route(lambda url: url.endswith(f"/v1/keys/{key_id}"), held)
    sign_in_with_key(page, console.url, tenant.token)

    page.get_by_role("link", name="Slow key").click()
    expect(page.get_by_text("Loading")).to_be_visible()
    page.get_by_role("link", name="Authorization groups").click()
    expect(page.get_by_role("heading", level=1, name="Authorization groups")).to_be_visible()
    assert len(held.routes) == 1
    held.release()
    page.wait_for_timeout(SETTLE_MS)

    expect(page.get_by_role("heading", level=1, name="Authorization groups")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Slow key")).to_have_count(0)


def test_a_list_answered_after_sign_out_is_not_shown_to_the_next_person(
    page: Page, console: Console
) -> None:
    tenant = console.tenant()
    sign_in_with_key(page, console.url, tenant.token)
    page.get_by_role("link", name="Authorization groups").click()
    expect(page.get_by_role("heading", level=1, name="Authorization groups")).to_be_visible()
    held = Held()
    page.route(lambda url: "/v1/keys?" in url, held)

    page.get_by_role("link", name="API keys").click()  # the list again, held this time
    expect(page.get_by_text("Loading")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert held.routes
    held.release()
    page.wait_for_timeout(SETTLE_MS)

    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="API keys")).to_have_count(0)
    expect(page.get_by_role("table")).to_have_count(0)
