"""The text formats of Latchkey's variables: peppers, roles, thresholds, optional numbers.

Pure functions from a variable's text to its typed value, each raising ValueError with the
variable's name and an example; chalicelib/config/settings.py calls them while reading the
environment (nothing here reads ``os.environ``).
"""

from __future__ import annotations


def optional_int(text: str | None) -> int | None:
    """An unset or empty variable is None; anything else must be a whole number."""
    return int(text) if text else None


def parse_peppers(text: str) -> dict[int, bytes]:
    """Parse ``"1:first,2:second"`` into ``{1: b"first", 2: b"second"}``."""
    peppers: dict[int, bytes] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        version, sep, value = part.partition(":")
        if not sep or not version.isdigit() or not value:
            raise ValueError("LATCHKEY_PEPPERS entries must look like VERSION:VALUE")
        peppers[int(version)] = value.encode()
    return peppers


def parse_roles(text: str) -> dict[str, str]:
    """Parse ``"Role A=keys:manage;Role B=keys:read"`` (role names may hold spaces)."""
    roles: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        role, sep, permission = part.rpartition("=")
        if not sep or not role.strip() or not permission.strip():
            raise ValueError("LATCHKEY_OIDC_ROLES entries must look like ROLE=PERMISSION")
        roles[role.strip()] = permission.strip()
    return roles


def parse_thresholds(text: str) -> tuple[int, ...]:
    """Parse ``"30,7,1"`` into ``(30, 7, 1, 0)``: distinct, largest first, 0 always included.

    0 is forced in because the expired threshold is what frees a key's slot of the limit.
    """
    days = {0}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if not part.isdigit():
            raise ValueError("LATCHKEY_EXPIRY_THRESHOLDS_DAYS must list whole days, e.g. 30,7,1,0")
        days.add(int(part))
    return tuple(sorted(days, reverse=True))
