"""Integration tests run on AWS's DynamoDB Local, one in-memory instance per session.

The tables are created from ``infra/template.yaml`` (never from the models), once per
session under names no other session uses; every test that asks for ``local_settings``
gets the models bound to them. Every test in this folder is marked ``integration``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.config.keys import KeySettings
from chalicelib.config.settings import Settings
from chalicelib.storage.models import bind_models
from chalicelib.storage.schema import create_tables
from chalicelib.wiring.services import Services, build_services
from scripts.dynamodb_local import SHORT_RUN_JVM, DynamoDBLocal
from tests.support.clock import FakeClock

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under this folder ``integration`` (``-m "not integration"`` skips)."""
    # This hook sees the whole session's items, not only this folder's.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    """DynamoDB Local, in memory on a free port, for the whole session (a short-run JVM)."""
    with DynamoDBLocal(jvm_options=SHORT_RUN_JVM) as db:
        yield db


@pytest.fixture(scope="session")
def dynamodb_client(dynamodb_local: DynamoDBLocal) -> Any:
    """A boto3 DynamoDB client for the session's DynamoDB Local."""
    # Explicit dummy credentials: DynamoDB Local accepts any, and a developer's real ones
    # (or their absence, in CI) must not matter.
    return boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_local.endpoint,
        region_name=REGION,
        aws_access_key_id="integration",
        aws_secret_access_key="integration",
    )


@pytest.fixture(scope="session")
def integration_tables(dynamodb_local: DynamoDBLocal, dynamodb_client: Any) -> Settings:
    """Settings naming this session's tables, which it creates from the template."""
    # Unique per session, so tests never meet another run's tables even on a shared instance.
    suffix = uuid.uuid4().hex[:12]
    settings = Settings(
        stage="integration",
        region=REGION,
        keys=KeySettings(prefix="lk_test", local_peppers={1: b"integration-pepper"}),
        dynamodb=DynamoDbSettings(
            endpoint=dynamodb_local.endpoint,
            keys_table=f"latchkey-keys-{suffix}",
            groups_table=f"latchkey-groups-{suffix}",
            tenants_table=f"latchkey-tenants-{suffix}",
        ),
    )
    create_tables(dynamodb_client, settings)
    return settings


@pytest.fixture
def local_settings(integration_tables: Settings, aws_credentials: None) -> Settings:
    """The session's settings, with the PynamoDB models bound to its tables.

    ``aws_credentials`` (tests/conftest.py) gives PynamoDB, which reads credentials from
    the environment, dummy ones for this test only.
    """
    # Bound per test, not per session: other test levels (moto) rebind the same models.
    bind_models(integration_tables)
    return integration_tables


@pytest.fixture
def services(local_settings: Settings, clock: FakeClock) -> Services:
    """The services on this session's tables, on the test's clock."""
    return build_services(local_settings, clock)
