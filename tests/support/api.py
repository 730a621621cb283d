"""The functional tests' client: a tenant bootstrapped for a test, and a JSON client over
chalice's test client, authenticated as one key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalice.test import Client


@dataclass
class Tenant:
    """A bootstrapped tenant: its id, admin group and admin token."""

    tenant_id: str
    group_id: str
    token: str


class Api:
    """A thin JSON client over chalice's test client, authenticated as one key."""

    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def as_key(self, token: str | None) -> Api:
        return Api(self.client, token)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        raw: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"Content-Type": "application/json"} | (headers or {})
        if self.token is not None:
            sent["X-API-Key"] = self.token
        payload = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.http.request(method, path, headers=sent, body=payload.encode())
