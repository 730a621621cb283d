"""The console's English and German catalogues say the same things, and nothing unused.

chalicelib/static/console/strings.js holds one object per language, one ``'key': 'text'``
line per string. A key only one language has shows the other language's reader English (or
the bare key); a placeholder only one has (``{name}``) shows a blank or a literal ``{name}``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STRINGS = Path(__file__).resolve().parents[2] / "chalicelib" / "static" / "console" / "strings.js"
ENTRY = re.compile(r"^  '(?P<key>[^']+)': '(?P<text>(?:\\.|[^'\\])*)',?$")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def catalogue(language: str, source: str | None = None) -> dict[str, str]:
    """The ``const <language> = { ... };`` object of strings.js, key by key.

    Every line inside it must be one entry: a line this parser could not read fails here
    rather than being skipped.
    """
    text = STRINGS.read_text(encoding="utf-8") if source is None else source
    block = re.search(rf"^const {language} = {{\n(?P<body>.*?)^}};$", text, re.M | re.S)
    assert block is not None, f"strings.js has no catalogue {language!r}"
    entries: dict[str, str] = {}
    for line in block["body"].splitlines():
        entry = ENTRY.match(line)
        assert entry is not None, f"{language}: not a 'key': 'text' line: {line!r}"
        assert entry["key"] not in entries, f"{language}: {entry['key']} twice"
        entries[entry["key"]] = entry["text"]
    return entries


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_english_and_german_have_the_same_keys() -> None:
    english, german = catalogue("en"), catalogue("de")
    assert sorted(english.keys() - german.keys()) == [], "only in English"
    assert sorted(german.keys() - english.keys()) == [], "only in German"


def test_each_string_has_the_same_placeholders_in_both_languages() -> None:
    english, german = catalogue("en"), catalogue("de")
    differ = {
        key: (sorted(placeholders(text)), sorted(placeholders(german[key])))
        for key, text in english.items()
        if key in german and placeholders(text) != placeholders(german[key])
    }
    assert differ == {}


def test_the_catalogues_are_read_whole() -> None:
    # The parser sees every string (the console has a few hundred), not a prefix of them.
    assert len(catalogue("en")) > 200
    assert catalogue("en")["account.as"] == "Signed in as {name}"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("const en = {\n  'a': 'A',\n  'a': 'B',\n};\n", "twice"),
        ("const en = {\n  'a': 'A',\n  b: 'B',\n};\n", "not a 'key': 'text' line"),
    ],
)
def test_a_catalogue_the_parser_cannot_read_fails_loudly(source: str, problem: str) -> None:
    with pytest.raises(AssertionError, match=problem):
        catalogue("en", source)


def test_a_missing_or_renamed_placeholder_is_found() -> None:
    assert placeholders("Signed in as {name}") != placeholders("Angemeldet als {nme}")
    assert placeholders("{count} keys, {limit} allowed") == {"count", "limit"}


# Keys the scripts build from data: t(`status.${key.status}`), and the field messages that
# forms.js looks up by the name of the field a problem names (t(`field.${name}`)).
BUILT = re.compile(r"`([a-zA-Z]+\.)\$\{")


def test_every_catalogue_string_is_used_by_the_console() -> None:
    code = "".join(
        path.read_text() for path in sorted(STRINGS.parent.glob("*.js")) if path != STRINGS
    )
    built = set(BUILT.findall(code))
    unused = sorted(
        key
        for key in catalogue("en")
        if f"'{key}'" not in code and not any(key.startswith(prefix) for prefix in built)
    )
    assert unused == []
