"""Leaked keys over moto: a fake GitHub (its own P-256 keys, list served as a file) and what
the app announces, captured in SQS queues behind an EventBridge rule and an SNS topic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from chalicelib.config.leaks import LeakSettings
from chalicelib.wiring.services import Services, build_services, set_services
from tests.fake_github import FakeGitHub
from tests.functional.conftest import json_of
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox, wire_outbox
from tests.support.settings import settings_for_tests

BUS = "latchkey-leaks"


@pytest.fixture
def github(tmp_path: Path) -> FakeGitHub:
    return FakeGitHub(tmp_path)


@pytest.fixture
def leak_services(services: Services, github: FakeGitHub, clock: FakeClock) -> Iterator[Services]:
    """The app's services with a bus, a topic and the fake GitHub's key list."""
    region = services.settings.region
    boto3.client("events", region_name=region).create_event_bus(Name=BUS)
    topic = boto3.client("sns", region_name=region).create_topic(Name="leaks")["TopicArn"]
    settings = settings_for_tests(
        event_bus=BUS, leaks=LeakSettings(github_keys_url=github.url, topic_arn=topic)
    )
    built = build_services(settings, clock)
    set_services(built)
    yield built
    set_services(services)


@pytest.fixture
def outbox(leak_services: Services) -> Outbox:
    topic = leak_services.settings.leaks.topic_arn
    assert topic is not None
    return wire_outbox(leak_services.settings.region, BUS, topic, ["API Key Leaked"], "leaks")


@dataclass
class Scanner:
    """GitHub calling the partner endpoint, and anyone calling POST /v1/leaks."""

    client: Client
    github: FakeGitHub

    def github_report(
        self, *tokens: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> Any:
        body = self.github.body(*tokens) if body is None else body
        sent = {"Content-Type": "application/json"} | (
            self.github.sign(body) if headers is None else headers
        )
        return self.client.http.request(
            "POST", "/v1/secret-scanning/github", headers=sent, body=body
        )

    def labels(self, *tokens: str) -> list[str]:
        response = self.github_report(*tokens)
        assert response.status_code == 200, response.body
        return [entry["label"] for entry in json_of(response)]

    def public_report(self, token: str, url: str | None = None) -> Any:
        body = {"token": token} | ({"url": url} if url is not None else {})
        return self.client.http.request(
            "POST",
            "/v1/leaks",
            headers={"Content-Type": "application/json"},
            body=json.dumps(body).encode(),
        )


@pytest.fixture
def scanner(api: Api, github: FakeGitHub, leak_services: Services) -> Scanner:
    return Scanner(api.client, github)


def notify_policy(api: Api) -> None:
    response = api.call("PATCH", "/v1/tenant/settings", {"leak_policy": "notify"})
    assert response.status_code == 200, response.body


__all__ = ["Scanner", "Tenant", "notify_policy"]
