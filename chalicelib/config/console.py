"""The console's part of the settings: each variable checked where it is read.

A bad value stops the management API at its start rather than reaching a page as markup
or CSS; the authorizer never reads these. chalicelib/config/settings.py hands
:meth:`ConsoleSettings.from_env` the environment it reads; nothing here reads ``os.environ``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

ACCENT = re.compile(r"^#[0-9a-fA-F]{6}$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
FRAME_SOURCE = re.compile(r"^('none'|'self'|https://[A-Za-z0-9.\-*]+(:[0-9]{1,5})?)$")
# A wildcard may stand only for the first label of a host under a named registrable
# domain (``https://*.vendor.example``, a CSP feature for per-customer subdomains). A bare
# ``*``, a scheme alone (``https:``) or ``https://*`` / ``https://*.com`` lets any site frame
# the admin console and click through it for the person signed in.
WILDCARD_HOST = re.compile(r"^https://\*\.[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+(:[0-9]{1,5})?$")
LOGO_DATA = re.compile(r"^data:image/(png|svg\+xml|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$")


@dataclass(frozen=True)
class ConsoleSettings:
    """The console's sign-in, embedding and white label."""

    # Its OpenID Connect client (authorization code + PKCE against the OIDC issuer); empty:
    # the console offers only the admin-key sign-in.
    client_id: str = ""
    # Origins the console's page may fetch besides its own: the issuer's always; Cognito's
    # token endpoint lives on the hosted UI's domain, another origin, which goes here.
    connect_origins: tuple[str, ...] = ()
    # Who may frame the console (CSP frame-ancestors): 'none', or the vendor's origins.
    frame_ancestors: str = "'none'"
    # White label: the product's name, its logo (a same-origin path or a data: image URL)
    # and the accent colour (#rrggbb).
    product_name: str = "Latchkey"
    logo_url: str = ""
    accent: str = "#1d4ed8"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ConsoleSettings:
        """The ``LATCHKEY_CONSOLE_*`` variables, validated; unset or empty ones keep the default."""
        default = cls()
        return cls(
            client_id=env.get("LATCHKEY_CONSOLE_CLIENT_ID", ""),
            connect_origins=parse_origins(env.get("LATCHKEY_CONSOLE_CONNECT_ORIGINS", "")),
            frame_ancestors=parse_frame_ancestors(
                env.get("LATCHKEY_CONSOLE_FRAME_ANCESTORS") or default.frame_ancestors
            ),
            product_name=env.get("LATCHKEY_CONSOLE_PRODUCT_NAME") or default.product_name,
            logo_url=parse_logo(env.get("LATCHKEY_CONSOLE_LOGO_URL", "")),
            accent=parse_accent(env.get("LATCHKEY_CONSOLE_ACCENT") or default.accent),
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
