"""Where a webhook may be sent: the SSRF rules, checked at registration and at every delivery.

A URL is refused unless it is ``https`` (``http`` only to a loopback address, and only where
the local stage allows it), carries no user name or password, and every address its host
resolves to is a public unicast address: never private, loopback, link-local
(169.254.0.0/16, the instance metadata service), shared (100.64.0.0/10), multicast,
reserved or unspecified, nor an IPv6 form that embeds one (IPv4-mapped, 6to4, Teredo).
Addresses are judged after resolution, so encodings such as ``0x7f.1`` or ``2130706433``
are caught as the 127.0.0.1 they resolve to. The delivery connects to the address judged
here (:class:`Target`), never resolving again, which defeats DNS rebinding.
Standard library only.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.domain.errors import InvalidInput

MAX_URL_LENGTH = 2048
# host, port -> the addresses it resolves to (text form)
Resolver = Callable[[str, int], Sequence[str]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UrlRefused(InvalidInput):
    """Raised when a webhook URL breaks the rules of where Latchkey may send."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "the webhook URL is not allowed",
            errors=[{"field": "url", "message": reason}],
        )
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked destination: the URL's parts and the one address to connect to."""

    scheme: str
    host: str
    port: int
    path: str  # with its query
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), through the system resolver."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def _embedded(address: IpAddress) -> IpAddress:
    """The IPv4 address an IPv6 transition form carries, or the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return inner
        if address.teredo is not None:
            return address.teredo[1]
    return address


def is_public(text: str) -> bool:
    """True for a public unicast address; False for anything internal or special."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    inner = _embedded(address)
    if inner is not address and not is_public(str(inner)):
        return False
    return address.is_global and not address.is_multicast


def is_loopback(text: str) -> bool:
    try:
        return _embedded(ipaddress.ip_address(text.split("%", 1)[0])).is_loopback
    except ValueError:
        return False


def check_url(url: str, allow_loopback_http: bool) -> tuple[str, str, int, str]:
    """The URL's scheme, host, port and path+query, or :class:`UrlRefused`. No resolution."""
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused("must be an absolute https URL") from None
    schemes = ("https", "http") if allow_loopback_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise UrlRefused("must be an absolute https URL")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("must not carry a user name or password")
    if parts.fragment:
        raise UrlRefused("must not have a fragment")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default, path


def resolve_target(url: str, allow_loopback_http: bool, resolver: Resolver) -> Target:
    """Check ``url`` and its host's every address; the first allowed address to connect to.

    With ``allow_loopback_http`` (local stage only), ``http`` is allowed to loopback
    addresses only, and loopback addresses are allowed for ``https`` too.
    """
    scheme, host, port, path = check_url(url, allow_loopback_http)
    addresses = list(resolver(host, port))
    if not addresses:
        raise UrlRefused("its host does not resolve")
    for address in addresses:
        local = allow_loopback_http and is_loopback(address)
        if not (local or (scheme == "https" and is_public(address))):
            raise UrlRefused("its host resolves to a private, loopback or internal address")
    return Target(scheme, host, port, path, addresses[0])
