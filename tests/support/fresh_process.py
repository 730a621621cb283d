"""Probes run in a fresh interpreter: what an import loads, as a cold start sees it.

A module already imported by the test process proves nothing about imports, so the import
guards (tests/unit/test_layers.py, test_api_imports.py, test_authorizer_imports.py) run
their probe in a new Python at the repository root and read the JSON it prints last.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def env_without_latchkey(**extra: str) -> dict[str, str]:
    """This environment with no LATCHKEY_* setting, plus ``extra``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("LATCHKEY_")}
    return env | extra


def probe(code: str, *args: str, env: Mapping[str, str] | None = None) -> Any:
    """Run ``code`` (with ``args``) in a new interpreter; the JSON of its last printed line."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])
