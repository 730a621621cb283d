"""``make dev``: a ``LATCHKEY_*`` variable exported in the shell wins over the local stage's
value, for the CLI calls ``make dev`` makes and for the server it starts."""

from __future__ import annotations

import os

from chalice.cli.factory import CLIFactory

from scripts.chalice_local import STAGE, shell_overrides
from scripts.dev import local_environment, stage_environment
from scripts.dynamodb_local import REPO_ROOT


def test_a_shell_variable_wins_over_the_stage_and_the_rest_come_from_the_stage() -> None:
    shell = {"LATCHKEY_GROUP_CACHE_SECONDS": "5", "LATCHKEY_KEY_PREFIX": "lk_mine", "HOME": "/x"}
    stage = stage_environment()

    merged = local_environment(shell)

    assert merged["LATCHKEY_GROUP_CACHE_SECONDS"] == "5"
    assert merged["LATCHKEY_KEY_PREFIX"] == "lk_mine" != stage["LATCHKEY_KEY_PREFIX"]
    assert merged["LATCHKEY_PEPPERS"] == stage["LATCHKEY_PEPPERS"]
    assert "HOME" not in merged, "only LATCHKEY_* variables override"


def test_only_latchkey_variables_are_passed_to_chalice() -> None:
    shell = {"LATCHKEY_KEY_PREFIX": "lk_mine", "AWS_ACCESS_KEY_ID": "mine", "PATH": "/bin"}
    assert shell_overrides(shell) == {"LATCHKEY_KEY_PREFIX": "lk_mine"}


def test_chalice_merges_the_shell_values_over_the_stages_for_the_server() -> None:
    factory = CLIFactory(str(REPO_ROOT), environ=dict(os.environ))
    config = factory.create_config_obj(
        chalice_stage_name=STAGE,
        user_provided_params={"environment_variables": {"LATCHKEY_KEY_PREFIX": "lk_mine"}},
    )

    assert config.environment_variables["LATCHKEY_KEY_PREFIX"] == "lk_mine"
    assert (
        config.environment_variables["LATCHKEY_PEPPERS"] == stage_environment()["LATCHKEY_PEPPERS"]
    )
