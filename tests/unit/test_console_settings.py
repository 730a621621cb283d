"""The console's white-label and embedding settings: what reaches a page is checked first."""

from __future__ import annotations

import pytest

from chalicelib.config.settings import Settings


def _console(**variables: str) -> Settings:
    return Settings.from_env(
        {f"LATCHKEY_CONSOLE_{name.upper()}": v for name, v in variables.items()}
    )


@pytest.mark.parametrize(
    "accent",
    ["red", "#12345", "#1234567", "#12345g", "#123456;} body{display:none", "rgb(0,0,0)"],
)
def test_an_accent_that_is_not_a_hex_colour_is_refused(accent: str) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_CONSOLE_ACCENT"):
        _console(accent=accent)


@pytest.mark.parametrize(
    "logo",
    [
        "https://cdn.example.com/logo.svg",
        "//cdn.example.com/logo.svg",
        "javascript:alert(1)",
        "data:text/html;base64,PHA+",
        "/\\\\evil.example/logo.png",
    ],
)
def test_a_logo_from_another_origin_or_not_an_image_is_refused(logo: str) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_CONSOLE_LOGO_URL"):
        _console(logo_url=logo)


@pytest.mark.parametrize("logo", ["/static/logo.svg", "data:image/png;base64,iVBORw0KGgo="])
def test_a_same_origin_or_data_image_logo_is_kept(logo: str) -> None:
    assert _console(logo_url=logo).console.logo_url == logo


@pytest.mark.parametrize(
    "ancestors", ["*", "http://vendor.example", "'none'; script-src *", "'unsafe-inline'"]
)
def test_frame_ancestors_take_only_none_self_or_https_origins(ancestors: str) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_CONSOLE_FRAME_ANCESTORS"):
        _console(frame_ancestors=ancestors)


@pytest.mark.parametrize(
    "ancestors",
    [
        "https://*",
        "https://*:443",
        "https://*.com",
        "'self' https://*",
        "https://app.*.example",
        "https://*vendor.example",
        "https:",
    ],
)
def test_frame_ancestors_with_a_bare_or_leading_wildcard_are_refused_with_a_reason(
    ancestors: str,
) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_CONSOLE_FRAME_ANCESTORS") as refused:
        _console(frame_ancestors=ancestors)
    if "*" in ancestors:
        assert "any site frame the admin console" in str(refused.value)


@pytest.mark.parametrize(
    "ancestors", ["https://*.vendor.example", "'self' https://*.app.vendor.example:8443"]
)
def test_a_wildcard_first_label_under_a_named_domain_may_frame(ancestors: str) -> None:
    assert _console(frame_ancestors=ancestors).console.frame_ancestors == ancestors


@pytest.mark.parametrize("origins", ["*", "https://auth.example.com/oauth2/token", "auth.example"])
def test_connect_origins_take_only_origins(origins: str) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_CONSOLE_CONNECT_ORIGINS"):
        _console(connect_origins=origins)


def test_console_defaults_frame_nowhere_and_offer_only_the_key_sign_in() -> None:
    console = Settings.from_env({}).console

    assert console.frame_ancestors == "'none'"
    assert console.client_id == ""
    assert console.product_name == "Latchkey"
    assert console.accent == "#1d4ed8"
