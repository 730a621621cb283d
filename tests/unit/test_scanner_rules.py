"""The shipped scanner rules (infra/scanners/) find every stage's keys and no near miss.

No gitleaks or TruffleHog binary is installable from PyPI, npm or Debian here, so the rules'
regular expressions are read from the shipped files and run with Python's ``re`` (the
expressions use only syntax that Go's RE2 reads the same way), and the checksum step is
the shipped, standalone ``latchkey_checksum.py``, including its TruffleHog webhook.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.key_format import BASE62, KeyFormat, checksum

SCANNERS = Path(__file__).resolve().parents[2] / "infra" / "scanners"
PREFIXES = ("lk_live", "lk_test")


def _load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "latchkey_checksum", SCANNERS / "latchkey_checksum.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKER = _load_checker()
GITLEAKS = tomllib.loads((SCANNERS / "gitleaks.toml").read_text())["rules"][0]
TRUFFLEHOG = yaml.safe_load((SCANNERS / "trufflehog.yaml").read_text())["detectors"][0]
RULES = {
    "gitleaks": re.compile(GITLEAKS["regex"]),
    "trufflehog": re.compile(TRUFFLEHOG["regex"]["key"]),
}
CONTEXTS = [
    "{}",
    "LATCHKEY_API_KEY={}",
    'api_key: "{}"',
    "curl -H 'X-API-Key: {}' https://api.example.com",
    '{{"key": "{}"}}',
    "key={}\n",
]


def token(prefix: str) -> str:
    return KeyFormat(prefix).mint()[0]


def found(rule: str, text: str) -> list[str]:
    return [match.group(1) for match in RULES[rule].finditer(text)]


def other_character(char: str) -> str:
    return BASE62[(BASE62.index(char) + 1) % 62]


def near_misses(real: str) -> dict[str, str]:
    """Strings a careless rule would take for ``real``."""
    return {
        "one character short": real[:-1],
        "one character long": real + "A",
        "key id one short": real.replace("_", "", 0)[: len("lk_live_")]
        + real[len("lk_live_") + 1 :],
        "another prefix": "lk_prod" + real[len("lk_live") :],
        "glued to a word": "x" + real,
        "dash in the secret": real[:30] + "-" + real[31:],
        "no underscore before the secret": real[:24] + real[25:] + "A",
    }


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_rule_finds_a_generated_key_of_every_stage_in_any_context(
    rule: str, prefix: str
) -> None:
    for context in CONTEXTS:
        real = token(prefix)
        assert found(rule, context.format(real)) == [real], context


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_rule_skips_near_misses_of_the_wrong_shape(rule: str, prefix: str) -> None:
    real = token(prefix)
    for name, miss in near_misses(real).items():
        assert miss != real
        assert found(rule, f"KEY={miss}\n") == [], name


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_wrong_checksum_passes_the_regex_and_is_caught_by_the_checksum_step(prefix: str) -> None:
    real = token(prefix)
    wrong = real[:-1] + other_character(real[-1])

    # A regex cannot compute a CRC32 (docs/secret-scanning.md says so): both rules match...
    assert all(found(rule, wrong) == [wrong] for rule in RULES)
    # ...and the shipped checksum step tells them apart.
    assert CHECKER.checksum_ok(real)
    assert not CHECKER.checksum_ok(wrong)
    assert CHECKER.main(["check", real]) == 0
    assert CHECKER.main(["check", real, wrong]) == 1


@given(
    st.sampled_from(PREFIXES),
    st.text(BASE62, min_size=16, max_size=16),
    st.text(BASE62, min_size=43, max_size=43),
)
def test_the_standalone_checksum_agrees_with_the_service(
    prefix: str, key_id: str, secret: str
) -> None:
    body = f"{prefix}_{key_id}_{secret}"
    assert CHECKER.crc_base62(body) == checksum(body)
    assert CHECKER.checksum_ok(body + checksum(body))


def test_the_keywords_appear_in_every_match() -> None:
    # Both scanners look for a keyword before they run the regex.
    for prefix in PREFIXES:
        real = token(prefix)
        assert any(keyword in real.lower() for keyword in GITLEAKS["keywords"])
        assert any(keyword in real for keyword in TRUFFLEHOG["keywords"])
    assert GITLEAKS["secretGroup"] == 1


def test_a_gitleaks_report_is_filtered_to_right_checksums(tmp_path: Path) -> None:
    real = token("lk_live")
    wrong = real[:-1] + other_character(real[-1])
    report = tmp_path / "leaks.json"
    report.write_text(
        json.dumps([{"RuleID": "latchkey-api-key", "Secret": s} for s in (real, wrong)])
    )

    assert [finding["Secret"] for finding in CHECKER.filter_report(report.read_text())] == [real]
    assert CHECKER.main(["filter", str(report)]) == 1


def test_a_trufflehog_report_is_filtered_to_right_checksums() -> None:
    real = token("lk_test")
    wrong = real[:-1] + other_character(real[-1])
    lines = "\n".join(
        json.dumps({"DetectorName": "LatchkeyApiKey", "Raw": s}) for s in (wrong, real)
    )

    assert [finding["Raw"] for finding in CHECKER.filter_report(lines)] == [real]


@pytest.fixture
def webhook() -> Iterator[str]:
    server = CHECKER.serve(0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def post(url: str, payload: object) -> int:
    # The webhook under test, on the loopback interface.
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_trufflehog_webhook_verifies_only_right_checksums(webhook: str) -> None:
    real = token("lk_live")
    wrong = real[:-1] + other_character(real[-1])
    detector = TRUFFLEHOG["name"]

    assert post(webhook, {detector: {"key": [real]}}) == 200
    assert post(webhook, {detector: {"key": real}}) == 200
    assert post(webhook, {detector: {"key": [wrong]}}) == 403
    assert post(webhook, {detector: {"key": [real[:-1]]}}) == 403
    assert post(webhook, {}) == 403
    assert post(webhook, ["not", "a", "payload"]) == 403


def test_the_trufflehog_rule_points_its_webhook_at_the_loopback_only() -> None:
    (verify,) = TRUFFLEHOG["verify"]
    assert verify["endpoint"].startswith("http://127.0.0.1:")
