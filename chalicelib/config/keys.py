"""The API keys' part of the settings: their prefix, the peppers that hash their secrets, and
when a key counts as expiring soon.

chalicelib/config/settings.py hands :meth:`KeySettings.from_env` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeySettings:
    """How keys look and how their secrets are hashed."""

    # The text every key starts with (``lk_live_...``), so scanners and people can spot one.
    prefix: str = "lk_live"
    # Local peppers as "VERSION:VALUE,VERSION:VALUE"; the highest version signs new secrets.
    local_peppers: Mapping[int, bytes] = field(default_factory=dict)
    # In AWS: the SSM SecureString parameter holding the pepper (its versions are ours).
    pepper_parameter: str | None = None
    # A key this many days or fewer from its expiry is listed as expiring soon.
    expiring_soon_days: int = 7

    @property
    def platform_prefix(self) -> str:
        """Platform keys' token prefix: the stage's with ``_platform``, so a tenant key's
        parser refuses a platform key offline and a scanner can tell the two apart."""
        return f"{self.prefix}_platform"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KeySettings:
        """LATCHKEY_KEY_PREFIX, LATCHKEY_PEPPERS, LATCHKEY_PEPPER_PARAMETER and
        LATCHKEY_EXPIRING_SOON_DAYS."""
        default = cls()
        return cls(
            prefix=env.get("LATCHKEY_KEY_PREFIX", default.prefix),
            local_peppers=parse_peppers(env.get("LATCHKEY_PEPPERS", "")),
            pepper_parameter=env.get("LATCHKEY_PEPPER_PARAMETER") or None,
            expiring_soon_days=int(
                env.get("LATCHKEY_EXPIRING_SOON_DAYS", default.expiring_soon_days)
            ),
        )


def parse_peppers(text: str) -> dict[int, bytes]:
    """Parse ``"1:first,2:second"`` into ``{1: b"first", 2: b"second"}``."""
    peppers: dict[int, bytes] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        version, sep, value = part.partition(":")
        if not sep or not version.isdigit() or not value:
            raise ValueError("LATCHKEY_PEPPERS entries must look like VERSION:VALUE")
        peppers[int(version)] = value.encode()
    return peppers
