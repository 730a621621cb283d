"""What the console tests do again and again: sign in, check accessibility, screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from scripts.dynamodb_local import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "build" / "screenshots"
SERIOUS = {"serious", "critical"}


def sign_in_with_key(page: Page, url: str, token: str) -> None:
    page.goto(f"{url}/console")
    page.get_by_label("Admin API key").fill(token)
    page.get_by_role("button", name="Sign in with key").click()
    expect(page.get_by_role("heading", level=1, name="API keys")).to_be_visible()


def accessibility_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    violations: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
            resultTypes: ['violations'],
        })).violations"""
    )
    return [
        {
            "id": item["id"],
            "impact": item["impact"],
            "help": item["help"],
            "nodes": [node["target"] for node in item["nodes"]][:5],
        }
        for item in violations
        if item["impact"] in SERIOUS
    ]


def assert_accessible(page: Page) -> None:
    assert accessibility_violations(page) == []


def screenshot(page: Page, name: str, full_page: bool = True) -> Path:
    """A test artefact in build/screenshots/ (git-ignored). Dialogs: the viewport only,
    where the backdrop is."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
