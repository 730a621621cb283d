"""Secrets and peppers stay out of the logs; the authorizer's warnings stay on."""

from __future__ import annotations

import logging

import boto3
import pytest

from chalicelib.authorizer.runtime import build_runtime
from chalicelib.storage.ssm_peppers import SsmPeppers, ssm_client
from tests.functional.authorizer.world import (
    World,
    capture_all,
    decide,
    secret_of,
)


def test_the_pepper_from_ssm_never_reaches_a_debug_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    settings = world.services.settings
    pepper = settings.keys.local_peppers[1].decode()  # the keys were hashed with version 1
    boto3.client("ssm", region_name=settings.region).put_parameter(
        Name="/latchkey/test/pepper", Value=pepper, Type="SecureString"
    )
    peppers = SsmPeppers("/latchkey/test/pepper", ssm_client(settings))
    runtime = build_runtime(settings, world.clock, peppers=peppers)
    capture_all(caplog)
    assert decide(runtime, world.token("valid")), "the SSM pepper verifies the key"
    assert str(secret_of(world.token("valid"))) not in caplog.text
    assert pepper not in caplog.text


def test_the_authorizers_warnings_survive_loading_the_app() -> None:
    import app

    assert app.app.log.name == "latchkey"
    assert logging.getLogger("chalicelib.authorizer.handler").isEnabledFor(logging.WARNING)
