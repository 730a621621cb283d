"""Which deployment the operator CLI talks to, and how patiently.

``--stage local`` takes the variables of that stage from ``.chalice/config.json``; without
it, the environment decides (in AWS: table names, region and the pepper parameter). The
store is called with a short connect timeout and one retry: a person is waiting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from chalicelib.cli.store import CONNECT_TIMEOUT_SECONDS, MAX_RETRIES
from chalicelib.config.settings import Settings

CHALICE_CONFIG = Path(".chalice/config.json")


def stage_environment(stage: str, config: Path = CHALICE_CONFIG) -> dict[str, str]:
    """The environment variables a Chalice stage sets."""
    stages = json.loads(config.read_text())["stages"]
    if stage not in stages:
        raise SystemExit(f"latchkey: no stage {stage!r} in {config}")
    return dict(stages[stage].get("environment_variables", {}))


def with_shell_overrides(stage: Mapping[str, str], shell: Mapping[str, str]) -> dict[str, str]:
    """The stage's variables, except the ``LATCHKEY_*`` ones the shell sets."""
    return {
        name: shell[name] if name.startswith("LATCHKEY_") and name in shell else value
        for name, value in stage.items()
    }


def cli_settings(stage: str | None) -> Settings:
    """The stage's settings. The CLI is an entry point, like a Lambda: it may set the
    process environment, and must, because botocore reads the stage's credentials (the
    local stage's dummy ones for DynamoDB Local) from there. A ``LATCHKEY_*`` variable the
    shell exported wins over the stage's, as under ``make dev``, so both read one issuer."""
    import os

    if stage:
        os.environ.update(with_shell_overrides(stage_environment(stage), os.environ))
    settings = Settings.from_env()
    # Short unless the environment says otherwise: a person is waiting.
    timeout = settings.dynamodb.connect_timeout_seconds
    retries = settings.dynamodb.max_retries
    dynamodb = replace(
        settings.dynamodb,
        connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS if timeout is None else timeout,
        max_retries=MAX_RETRIES if retries is None else retries,
    )
    return replace(settings, dynamodb=dynamodb)


def local_endpoint(stage: str | None) -> str | None:
    """The local stage's DynamoDB endpoint, when run without a stage inside the repository:
    where `make dev` serves DynamoDB Local."""
    if stage is not None or not CHALICE_CONFIG.is_file():
        return None
    return stage_environment("local").get("LATCHKEY_DYNAMODB_ENDPOINT")
