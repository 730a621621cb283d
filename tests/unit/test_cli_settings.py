"""``latchkey --stage NAME`` runs with that stage's environment, credentials included."""

from __future__ import annotations

import os

import pytest

from chalicelib.cli.stage import cli_settings, stage_environment
from chalicelib.config.settings import Settings
from scripts.dev import api_port, local_environment


def test_a_stage_sets_the_process_environment_botocore_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LATCHKEY_DYNAMODB_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    local = stage_environment("local")
    for name in local:
        monkeypatch.setenv(name, "before")  # registers the variable for restoring
        if name.startswith("LATCHKEY_"):
            monkeypatch.delenv(name)  # a shell's LATCHKEY_* value would win
    settings = cli_settings("local")
    assert os.environ["AWS_ACCESS_KEY_ID"] == local["AWS_ACCESS_KEY_ID"]
    assert settings.dynamodb.endpoint == local["LATCHKEY_DYNAMODB_ENDPOINT"]
    assert settings.keys.prefix == "lk_test"


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(SystemExit, match="no stage 'nowhere'"):
        stage_environment("nowhere")


def _dev_settings(shell: dict[str, str]) -> Settings:
    """The settings ``make dev`` serves with, from this shell."""
    return Settings.from_env(local_environment(shell))


@pytest.fixture
def clean_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local stage's variables restored after the test, none set in the shell."""
    for name in stage_environment("local"):
        monkeypatch.setenv(name, "before")  # registers the variable for restoring
        monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_stage")
def test_the_cli_reads_the_issuer_make_dev_serves_and_mints_tokens_for() -> None:
    served = _dev_settings({})
    assert served.access_tokens.issuer == f"http://127.0.0.1:{api_port(served)}"
    assert cli_settings("local").access_tokens.issuer == served.access_tokens.issuer


@pytest.mark.usefixtures("clean_stage")
def test_a_shell_issuer_moves_the_server_and_the_cli_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shell = {"LATCHKEY_TOKEN_ISSUER": "http://127.0.0.1:9000"}
    served = _dev_settings(shell)
    assert api_port(served) == 9000
    monkeypatch.setenv("LATCHKEY_TOKEN_ISSUER", shell["LATCHKEY_TOKEN_ISSUER"])
    assert (
        cli_settings("local").access_tokens.issuer
        == served.access_tokens.issuer
        == "http://127.0.0.1:9000"
    )
