"""The settings every test level starts from.

Named ``settings_for_tests``, not ``test_...``: pytest collects any ``test_*`` function a
test module imports, and would run this one as a test.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.config.keys import KeySettings
from chalicelib.config.settings import Settings


def settings_for_tests(**parts: Any) -> Settings:
    """Stage ``test``, keys ``lk_test_...`` under a fixed pepper, and ``parts``
    (``sweep=SweepSettings(workers=1)``, ``event_bus="..."``) in place of those."""
    base = Settings(
        stage="test",
        keys=KeySettings(prefix="lk_test", local_peppers={1: b"test-pepper-one"}),
    )
    return replace(base, **parts)
