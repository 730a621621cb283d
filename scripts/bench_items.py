"""``make bench``: the measured inputs of docs/scale.md's load model, on DynamoDB Local.

Two tables of figures, both measured, none assumed:

- item sizes: the items Latchkey's stores actually wrote during a short scenario (a tenant,
  a group, keys created, listed, read, rotated and revoked through the HTTP API, authorizer
  decisions with their usage flush), scanned back from every table and sized by DynamoDB's
  published rules (Developer Guide, "DynamoDB item sizes and formats"): the largest item of
  each table, and the read and write units one item costs at that size.
- consumed capacity per operation: ``ReturnConsumedCapacity`` summed over every request the
  operation made (scripts/capacity.py), with its request count.

The load model multiplies these by rates; when an item grows (another helper's new index
attributes, say), rerun this and carry the new figures into docs/scale.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import boto3
from chalice.test import Client

from chalicelib.authorizer.handler import authorize
from chalicelib.authorizer.runtime import build_runtime
from chalicelib.config.limits import LimitSettings
from chalicelib.config.settings import Settings
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.models import table_names
from chalicelib.wiring.services import build_services, set_services
from scripts.bench_support import bench_tables, without_key_cache
from scripts.capacity import Meter, Usage

ARN = "arn:aws:execute-api:us-east-1:123456789012:bench/prod/GET/orders/7"
KEYS = 20  # keys in the tenant when its first page is listed
NAME = "Billing integration (production)"
DESCRIPTION = "Used by the nightly invoice export; owner: payments team, rotate quarterly."


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value (not its name), by DynamoDB's published rules."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return number_size(inner)
    if kind == "B":
        return len(inner)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in inner)
    if kind == "NS":
        return sum(number_size(text) for text in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + attribute_size(v) for name, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def item_size(item: dict[str, dict[str, Any]]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def scan(client: Any, table: str) -> Iterator[dict[str, Any]]:
    for page in client.get_paginator("scan").paginate(TableName=table):
        yield from page["Items"]


def meter_on() -> Meter:
    """A meter on the botocore session every store of ``build_services`` shares.

    Attached before the first request: a session hands its handlers to each client as it
    makes it (the models', the transactions' and /v1/verify's all come from this session).
    """
    return Meter.on(KeyModel._get_connection().connection.session)


def measured(meter: Meter, operation: Callable[[], object]) -> Usage:
    with meter.measure() as used:
        operation()
    return used


def scenario(settings: Settings) -> list[tuple[str, Usage]]:
    """Run the operations the load model counts; what each consumed."""
    services = build_services(settings)
    set_services(services)
    meter = meter_on()
    made = services.tenants.bootstrap("bench")
    headers = {"X-API-Key": made.issued.token, "Content-Type": "application/json"}
    figures: list[tuple[str, Usage]] = []
    from app import app

    with Client(app) as http:

        def call(method: str, path: str, body: object = None, **extra: str) -> Any:
            raw = json.dumps(body) if body is not None else None
            answer = getattr(http.http, method)(path, headers=headers | extra, body=raw)
            assert answer.status_code < 300, (path, answer.status_code, answer.body)
            return json.loads(answer.body) if answer.body else None

        group: dict[str, Any] = {}
        group_body = {
            "name": "Payments",
            "permissions": ["keys:read"],
            "routes": ["GET /orders/*", "POST /invoices/*", "GET /customers/*"],
        }
        figures.append(
            (
                "POST /v1/groups",
                measured(meter, lambda: group.update(call("post", "/v1/groups", group_body))),
            )
        )
        created: list[dict[str, Any]] = []
        body = {
            "name": NAME,
            "description": DESCRIPTION,
            "group_id": group["id"],
            "expires_at": "2027-06-30T00:00:00Z",
        }
        # The first key carries an allowlist (the largest item); the second one decides.
        first = body | {"ip_allowlist": ["203.0.113.0/24", "198.51.100.7"]}
        figures.append(
            (
                "POST /v1/keys (Idempotency-Key)",
                measured(
                    meter,
                    lambda: created.append(
                        call("post", "/v1/keys", first, **{"Idempotency-Key": "bench-create-0"})
                    ),
                ),
            )
        )
        for number in range(1, KEYS):
            created.append(call("post", "/v1/keys", body | {"name": f"{NAME} {number}"}))
        key_id = created[0]["key"]["id"]
        figures.append(
            ("GET /v1/keys (first page)", measured(meter, lambda: call("get", "/v1/keys?limit=50")))
        )
        figures.append(
            ("GET /v1/keys/{id}", measured(meter, lambda: call("get", f"/v1/keys/{key_id}")))
        )
        figures.append(
            (
                "POST /v1/keys/{id}/rotate",
                measured(meter, lambda: call("post", f"/v1/keys/{key_id}/rotate", {})),
            )
        )
        figures.append(
            ("GET /v1/usage (30 days)", measured(meter, lambda: call("get", "/v1/usage")))
        )
        figures.extend(decisions(settings, created[1]["secret"]))
        figures.append(
            (
                "POST /v1/keys/{id}/revoke",
                measured(meter, lambda: call("post", f"/v1/keys/{key_id}/revoke", {})),
            )
        )
    set_services(None)
    return figures


def decisions(settings: Settings, token: str) -> list[tuple[str, Usage]]:
    """The authorizer's reads per warm decision, with and without its key cache, and a flush."""
    event = {"type": "TOKEN", "authorizationToken": token, "methodArn": ARN}
    runtime = build_runtime(settings)
    meter = Meter.on(runtime.store.client)
    first = measured(meter, lambda: authorize(event, runtime))
    cached = measured(meter, lambda: [authorize(event, runtime) for _ in range(100)])
    flush = measured(meter, lambda: runtime.usage.flush_all())
    uncached_runtime = build_runtime(without_key_cache(settings))
    uncached_meter = Meter.on(uncached_runtime.store.client)
    authorize(event, uncached_runtime)  # the group, then cached
    uncached = measured(
        uncached_meter, lambda: [authorize(event, uncached_runtime) for _ in range(100)]
    )
    return [
        ("authorizer: first decision", first),
        ("authorizer: 100 decisions, key cache", cached),
        ("authorizer: 100 decisions, no cache", uncached),
        ("authorizer: usage flush", flush),
    ]


def print_sizes(settings: Settings) -> None:
    client = boto3.client("dynamodb", endpoint_url=settings.dynamodb.endpoint)
    print("\nItem sizes written by the stores (largest per table; DynamoDB's size rules)\n")
    print(f"{'table':<12}{'items':>6}{'max bytes':>11}{'RCU (strong)':>14}{'WCU':>6}")
    for logical_id, table in table_names(settings).items():
        sizes = [item_size(item) for item in scan(client, table)]
        if not sizes:
            print(f"{logical_id:<12}{0:>6}{'-':>11}")
            continue
        largest = max(sizes)
        print(
            f"{logical_id.removesuffix('Table'):<12}{len(sizes):>6}{largest:>11}"
            f"{math.ceil(largest / 4096):>14}{math.ceil(largest / 1024):>6}"
        )


def main() -> None:
    with bench_tables(limits=LimitSettings(keys_per_tenant=1000)) as settings:
        figures = scenario(settings)
        print("\nConsumed capacity per operation (ReturnConsumedCapacity, DynamoDB Local)\n")
        print(f"{'operation':<34}{'requests':>9}{'items read':>11}{'RCU':>8}{'WCU':>8}")
        for name, used in figures:
            print(
                f"{name:<34}{used.requests:>9}{used.items_read:>11}"
                f"{used.read_units:>8.1f}{used.write_units:>8.1f}"
            )
        print_sizes(settings)


if __name__ == "__main__":
    main()
