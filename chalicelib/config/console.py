"""The console's variables (issue 14), each checked where it is read.

A bad value stops the app at its first request rather than reaching a page as markup or
CSS. chalicelib/config/settings.py hands these functions the environment it reads; nothing here
reads ``os.environ``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.config.settings import Settings

ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
FRAME_SOURCE = re.compile(r"^('none'|'self'|https://[A-Za-z0-9.\-*]+(:[0-9]{1,5})?)$")
# A wildcard may stand only for the first label of a host under a named registrable
# domain (``https://*.vendor.example``, a CSP feature for per-customer subdomains). A bare
# ``*``, a scheme alone (``https:``) or ``https://*`` / ``https://*.com`` lets any site frame
# the admin console and click through it for the person signed in.
WILDCARD_HOST = re.compile(r"^https://\*\.[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+(:[0-9]{1,5})?$")
LOGO_DATA = re.compile(r"^data:image/(png|svg\+xml|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$")


def with_console(settings: Settings, env: Mapping[str, str]) -> Settings:
    """``settings`` with the ``LATCHKEY_CONSOLE_*`` variables, validated."""
    return replace(
        settings,
        console_client_id=env.get("LATCHKEY_CONSOLE_CLIENT_ID", ""),
        console_connect_origins=parse_origins(env.get("LATCHKEY_CONSOLE_CONNECT_ORIGINS", "")),
        console_frame_ancestors=parse_frame_ancestors(
            env.get("LATCHKEY_CONSOLE_FRAME_ANCESTORS") or settings.console_frame_ancestors
        ),
        console_product_name=env.get("LATCHKEY_CONSOLE_PRODUCT_NAME")
        or settings.console_product_name,
        console_logo_url=parse_logo(env.get("LATCHKEY_CONSOLE_LOGO_URL", "")),
        console_accent=parse_accent(env.get("LATCHKEY_CONSOLE_ACCENT") or settings.console_accent),
    )


def parse_accent(text: str) -> str:
    """A colour as ``#rrggbb``: anything else could break out of the stylesheet it sits in."""
    if not ACCENT.match(text):
        raise ValueError("LATCHKEY_CONSOLE_ACCENT must be a colour like #1d4ed8")
    return text.lower()


def parse_origins(text: str) -> tuple[str, ...]:
    """Space-separated origins such as ``https://auth.example.com`` (no path, no wildcard)."""
    origins = tuple(text.split())
    for origin in origins:
        if not ORIGIN.match(origin):
            raise ValueError("LATCHKEY_CONSOLE_CONNECT_ORIGINS lists origins like https://host")
    return origins


def parse_frame_ancestors(text: str) -> str:
    """``'none'``, ``'self'`` or https origins, space-separated: a CSP source list."""
    sources = text.split()
    for source in sources:
        if "*" in source and not WILDCARD_HOST.match(source):
            raise ValueError(
                "LATCHKEY_CONSOLE_FRAME_ANCESTORS must not hold a bare or leading wildcard "
                f"({source!r}): it would let any site frame the admin console and trick a "
                "signed-in administrator into clicking its buttons; name the origins, or use "
                "a wildcard only for the first label under your own domain "
                "(https://*.vendor.example)"
            )
    if not sources or not all(FRAME_SOURCE.match(source) for source in sources):
        raise ValueError(
            "LATCHKEY_CONSOLE_FRAME_ANCESTORS must be 'none', 'self' or https:// origins"
        )
    return " ".join(sources)


def parse_logo(text: str) -> str:
    """A same-origin path (``/static/logo.svg``) or a ``data:image/...;base64,`` URL."""
    if not text:
        return ""
    same_origin = text.startswith("/") and not text.startswith("//") and "\\" not in text
    if not (same_origin or LOGO_DATA.match(text)):
        raise ValueError("LATCHKEY_CONSOLE_LOGO_URL must be a same-origin path or a data: image")
    return text
