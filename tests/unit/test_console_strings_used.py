"""Every string in the console's catalogues is one the console shows (the languages agree:
test_console_strings.py)."""

from __future__ import annotations

import re
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[2] / "chalicelib" / "static" / "console"
# Keys the scripts build from data: t(`status.${key.status}`), and the field messages that
# forms.js looks up by the name of the field a problem names (t(`field.${name}`)).
BUILT = re.compile(r"`([a-zA-Z]+\.)\$\{")


def catalogue_keys() -> set[str]:
    text = (CONSOLE / "strings.js").read_text()
    return set(re.findall(r"^\s*'([A-Za-z0-9_.]+)':", text, re.MULTILINE))


def scripts() -> str:
    return "".join(
        path.read_text() for path in sorted(CONSOLE.glob("*.js")) if path.name != "strings.js"
    )


def test_every_catalogue_string_is_used_by_the_console() -> None:
    code = scripts()
    built = set(BUILT.findall(code))
    unused = sorted(
        key
        for key in catalogue_keys()
        if f"'{key}'" not in code and not any(key.startswith(prefix) for prefix in built)
    )
    assert unused == []
