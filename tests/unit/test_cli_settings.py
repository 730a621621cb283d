"""``latchkey --stage NAME`` runs with that stage's environment, credentials included."""

from __future__ import annotations

import os

import pytest

from chalicelib.cli.stage import cli_settings, stage_environment


def test_a_stage_sets_the_process_environment_botocore_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LATCHKEY_DYNAMODB_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    local = stage_environment("local")
    for name in local:
        monkeypatch.setenv(name, "before")  # registers the variable for restoring
    settings = cli_settings("local")
    assert os.environ["AWS_ACCESS_KEY_ID"] == local["AWS_ACCESS_KEY_ID"]
    assert settings.dynamodb.endpoint == local["LATCHKEY_DYNAMODB_ENDPOINT"]
    assert settings.keys.prefix == "lk_test"


def test_an_unknown_stage_is_refused() -> None:
    with pytest.raises(SystemExit, match="no stage 'nowhere'"):
        stage_environment("nowhere")
