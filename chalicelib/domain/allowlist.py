"""IP allowlists: parse entries once, check a source address against them.

Entries are IPv4 or IPv6 addresses or CIDR ranges. The address checked is always the
connection's source address as API Gateway reports it, never X-Forwarded-For, which any
client can set. Standard library only: this runs on the authorizer's hot path.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_ENTRIES = 100
# A zone (``fe80::1%eth0``) names an interface of one host: API Gateway never reports one,
# and Python compares addresses with and without a zone as equal, so an entry or a source
# address that has one is refused rather than half-matched.
SCOPED = "a scoped IPv6 address (with a %zone) is not allowed"


class AllowlistError(ValueError):
    """Raised when an allowlist entry is not an address or CIDR range; names the entry."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def split_entries(value: str | Iterable[str]) -> list[str]:
    """Accept a list, or one newline-separated string as a textarea sends; drop blanks."""
    lines = value.splitlines() if isinstance(value, str) else list(value)
    return [line.strip() for line in lines if line.strip()]


def normalize(entries: Iterable[str]) -> tuple[str, ...]:
    """Validate entries and return them in canonical form (``10.0.0.0/8``, ``2001:db8::1``).

    A range with host bits set (``10.0.0.5/8``) is refused rather than silently widened.
    """
    canonical: list[str] = []
    for index, entry in enumerate(entries):
        try:
            network = ipaddress.ip_network(entry, strict=True)
        except ValueError:
            # The message never repeats the entry: it may be anything, even a pasted key.
            raise AllowlistError(index, "not an IP address or CIDR range") from None
        if _scoped(network.network_address):
            raise AllowlistError(index, SCOPED) from None
        text = str(network.network_address) if _is_single(network) else network.with_prefixlen
        if text not in canonical:
            canonical.append(text)
    if len(canonical) > MAX_ENTRIES:
        raise AllowlistError(MAX_ENTRIES, f"at most {MAX_ENTRIES} entries are allowed")
    return tuple(canonical)


def _scoped(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None


def _is_single(network: Network) -> bool:
    return network.prefixlen == network.max_prefixlen


@lru_cache(maxsize=4096)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    # Entries are validated when written; one that is not (a hand-edited item) matches
    # nothing rather than failing the decision.
    networks = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry)
        except ValueError:
            continue
        if not _scoped(network.network_address):
            networks.append(network)
    return tuple(networks)


def allows(entries: tuple[str, ...], source_ip: str | None) -> bool:
    """True when the allowlist is empty or ``source_ip`` falls in one of its entries.

    An unknown or unparseable source address never passes a non-empty allowlist.
    """
    if not entries:
        return True
    if not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    if _scoped(address):
        return False
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)  # ::ffff:192.0.2.1 is 192.0.2.1
    return any(
        candidate in network
        for network in _networks(entries)
        for candidate in candidates
        if candidate.version == network.version
    )
