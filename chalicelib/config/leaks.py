"""Leaked keys (docs/secret-scanning.md): where GitHub's signing keys are, where notices go.

chalicelib/config/settings.py hands :meth:`LeakSettings.from_env` the environment it reads;
nothing here reads ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

GITHUB_KEYS_URL = "https://api.github.com/meta/public_keys/secret_scanning"


@dataclass(frozen=True)
class LeakSettings:
    """GitHub's published signing keys (https, or file:// locally and in tests), and the SNS
    topic for leak messages (None: events only)."""

    github_keys_url: str = GITHUB_KEYS_URL
    topic_arn: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LeakSettings:
        """LATCHKEY_GITHUB_KEYS_URL and LATCHKEY_LEAK_TOPIC_ARN."""
        return cls(
            github_keys_url=env.get("LATCHKEY_GITHUB_KEYS_URL") or GITHUB_KEYS_URL,
            topic_arn=env.get("LATCHKEY_LEAK_TOPIC_ARN") or None,
        )
