"""The operator CLI's failures: each says what it tried and what fixes it, within seconds.

Run through ``latchkey``'s own ``main`` (its environment set per test): no credentials, an
endpoint nobody answers at, make dev's DynamoDB Local answering a command run without
``--stage local``, a missing table (moto), a missing pepper (moto). Then its output: a
table for a person, one JSON object with ``--json`` wherever it is given.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from chalicelib.cli.main import main
from tests.support.moto import MotoAccount
from tests.support.settings import settings_for_tests

AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No credentials anywhere botocore looks, no LATCHKEY_* settings, outside the repo."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in [name for name in os.environ if name.startswith("LATCHKEY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role either
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something accepts connections on, like make dev's DynamoDB Local."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def run(*argv: str) -> tuple[int, float]:
    started = time.monotonic()
    code = main(list(argv))
    return code, time.monotonic() - started


def test_missing_credentials_say_where_it_looked_and_what_to_run(
    no_aws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, seconds = run("tenants", "show", "acme")

    err = capsys.readouterr().err
    assert code == 1
    assert "no AWS credentials were found" in err
    assert "AWS DynamoDB in us-east-1 (https://dynamodb.us-east-1.amazonaws.com)" in err
    assert "none found (environment, ~/.aws, profile)" in err
    assert "`make dev`" in err
    assert "latchkey --stage local" in err
    assert "`aws configure`" in err
    assert seconds < 5


def test_with_make_devs_dynamodb_local_answering_it_suggests_stage_local_at_once(
    no_aws: Path, listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{listening}"
    stage = {"environment_variables": {"LATCHKEY_DYNAMODB_ENDPOINT": endpoint}}
    (no_aws / ".chalice").mkdir()
    (no_aws / ".chalice" / "config.json").write_text(json.dumps({"stages": {"local": stage}}))

    code, seconds = run("tenants", "show", "acme")

    err = capsys.readouterr().err
    assert code == 1
    assert f"make dev's DynamoDB Local answers at {endpoint}" in err
    assert "Add `--stage local`" in err
    assert seconds < 2, "it must not wait on AWS retries"


def test_an_unreachable_endpoint_is_named_with_what_to_check(
    no_aws: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("LATCHKEY_DYNAMODB_ENDPOINT", endpoint)

    code, seconds = run("tenants", "show", "acme")

    err = capsys.readouterr().err
    assert code == 1
    assert f"could not connect to DynamoDB at {endpoint}" in err
    assert "connect timeout 2 s, one retry" in err
    assert "`make dev`" in err
    assert "LATCHKEY_DYNAMODB_ENDPOINT" in err
    assert seconds < 10


@pytest.fixture
def moto_store(moto: MotoAccount, monkeypatch: pytest.MonkeyPatch) -> None:
    """The package's moto, its tables there and empty, and no LATCHKEY_* settings."""
    for name in [name for name in os.environ if name.startswith("LATCHKEY_")]:
        monkeypatch.delenv(name)


def test_a_missing_table_is_named_with_the_command_that_creates_it(
    moto_store: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for_tests()
    boto3.client("dynamodb", region_name=settings.region).delete_table(
        TableName=settings.dynamodb.tenants_table
    )

    code, _ = run("tenants", "show", "acme")

    err = capsys.readouterr().err
    assert code == 1
    assert (
        f"table {settings.dynamodb.tenants_table} does not exist in AWS DynamoDB in us-east-1"
        in err
    )
    assert settings.dynamodb.keys_table not in err.splitlines()[0], "only the missing one is named"
    assert "`latchkey --stage local tables create`" in err
    assert "README, Deploy" in err


def test_a_missing_pepper_says_which_settings_were_empty_and_what_to_use(
    moto_store: None, capsys: pytest.CaptureFixture[str]
) -> None:

    code, _ = run("bootstrap", "--tenant", "acme")

    err = capsys.readouterr().err
    assert code == 1
    assert "no pepper to hash secrets with" in err
    assert "LATCHKEY_PEPPERS (empty) and LATCHKEY_PEPPER_PARAMETER (unset)" in err
    assert "`--stage local`" in err
    assert "LATCHKEY_PEPPER_PARAMETER" in err


def test_a_failure_is_one_json_object_with_json(
    no_aws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("--json", "tenants", "show", "acme")

    error = json.loads(capsys.readouterr().err)["error"]
    assert code == 1
    assert error["problem"] == "no AWS credentials were found"
    assert any("aws configure" in fix for fix in error["fixes"])


def test_tenants_print_a_table_by_default_and_json_with_json_before_or_after(
    moto_store: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LATCHKEY_PEPPERS", "1:test-pepper-one")

    assert main(["tenants", "create", "acme", "--key-limit", "25"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert main(["--json", "tenants", "show", "acme"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["tenants", "show", "acme", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)

    assert table[0].split() == (
        [
            "Tenant",
            "Key",
            "limit",
            "Keys",
            "used",
            "Group",
            "limit",
            "Groups",
            "used",
            "Leak",
            "policy",
        ]
    )
    assert table[1].split()[:3] == ["acme", "25", "0"]
    assert before == after
    assert (before["tenant_id"], before["key_limit"], before["keys_used"]) == ("acme", 25, 0)
    assert table[1].split()[3:] == [
        str(before["group_limit"]),
        str(before["groups_used"]),
        before["leak_policy"],
    ]


def test_with_log_format_json_each_command_logs_one_json_line(
    moto_store: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LATCHKEY_PEPPERS", "1:test-pepper-one")

    assert main(["--log-format", "json", "tenants", "create", "acme"]) == 0
    assert main(["--log-format", "json", "tenants", "show", "globex"]) == 1

    lines = [json.loads(text) for text in caplog.text.splitlines() if '"command"' in text]
    assert [(line["route"], line["outcome"], line["status"]) for line in lines] == [
        ("tenants create", "ok", 0),
        ("tenants show", "failed", 1),
    ]
    assert {(line["service"], line["function"], line["level"]) for line in lines} == {
        ("latchkey-cli", "cli", "INFO")
    }


# --- the answer alone on stdout ------------------------------------------------------------

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/orders"


@pytest.mark.parametrize("valid", [True, False], ids=["allowed", "refused"])
def test_authorize_prints_only_its_answer_on_stdout_and_the_decision_line_on_stderr(
    moto_store: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    valid: bool,
) -> None:
    monkeypatch.setenv("LATCHKEY_PEPPERS", "1:test-pepper-one")
    assert main(["bootstrap", "--tenant", "acme", "--json"]) == 0
    secret = json.loads(capsys.readouterr().out)["secret"]
    token = secret if valid else "lk_live_nope"
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"type": "TOKEN", "authorizationToken": token, "methodArn": METHOD_ARN})
    )

    code = main(["authorize", str(event)])

    out, err = capsys.readouterr()
    answer = json.loads(out)  # `latchkey authorize ev.json | python -m json.tool` works
    if valid:
        assert code == 0
        assert answer["policyDocument"]["Statement"]
    else:
        assert (code, answer) == (2, {"error": "Unauthorized", "status": 401})
    decision = [json.loads(line) for line in err.splitlines() if '"decision"' in line]
    assert [line["Outcome"] for line in decision] == (["VALID"] if valid else ["MALFORMED"])
    assert token not in err
