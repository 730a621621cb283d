"""One moto account per test process: the tables made once, emptied before every test.

A fresh ``mock_aws()`` per test cost each functional test its table creation and a new
boto3 default session (which re-parses AWS's service models: most of ~2 s a test under
load). Here the mock starts once; before each test ``fresh()`` puts the account back in the
state a new mock would have: every service but DynamoDB reset (queues, topics, buses, KMS
keys, parameters gone), the tables of the test's settings present, and every table empty
(its items deleted through the low-level client, as any DynamoDB user would). Isolation is
proved by tests/functional/test_moto_isolation.py.
"""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws
from moto.core.base_backend import BackendDict
from moto.core.models import DEFAULT_ACCOUNT_ID, MockAWS
from moto.dynamodb.models import dynamodb_backends

from chalicelib.config.settings import Settings
from chalicelib.storage.models import table_names
from chalicelib.storage.schema import create_tables

# BatchWriteItem's limit.
BATCH = 25


class MotoAccount:
    """moto, started once for many tests; ``fresh()`` before each one."""

    def __init__(self) -> None:
        self._mock: MockAWS | None = None
        self._key_names: dict[str, list[str]] = {}

    def start(self) -> None:
        self._mock = mock_aws()
        self._mock.start()

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
            self._key_names.clear()

    def fresh(self, settings: Settings) -> Any:
        """Reset every other service, then leave exactly ``settings``' tables, all empty.

        Returns the DynamoDB client it used (moto's, in the settings' region).
        """
        assert self._mock is not None, "MotoAccount.fresh() before start()"
        _reset_all_but_dynamodb()
        client = boto3.client("dynamodb", region_name=settings.region)
        wanted = set(table_names(settings).values())
        for name in client.list_tables()["TableNames"]:
            if name not in wanted:  # a test's own table: gone, as in a new mock
                client.delete_table(TableName=name)
                self._key_names.pop(name, None)
        create_tables(client, settings)
        for name in sorted(wanted):
            self._empty(client, name)
        return client

    def _empty(self, client: Any, table: str) -> None:
        keys = self._keys_of(client, table)
        projection = ", ".join(f"#k{n}" for n in range(len(keys)))
        names = {f"#k{n}": key for n, key in enumerate(keys)}
        scan: dict[str, Any] = {
            "TableName": table,
            "ProjectionExpression": projection,
            "ExpressionAttributeNames": names,
        }
        while True:
            page = client.scan(**scan)
            items = page["Items"]
            for start in range(0, len(items), BATCH):
                chunk = items[start : start + BATCH]
                requests = [{"DeleteRequest": {"Key": item}} for item in chunk]
                client.batch_write_item(RequestItems={table: requests})
            if "LastEvaluatedKey" not in page:
                return
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _keys_of(self, client: Any, table: str) -> list[str]:
        # A test may delete a table and the next one recreate it: same schema, same names.
        if table not in self._key_names:
            schema = client.describe_table(TableName=table)["Table"]["KeySchema"]
            self._key_names[table] = [part["AttributeName"] for part in schema]
        return self._key_names[table]


def _reset_all_but_dynamodb() -> None:
    # moto has no public per-service reset; this is what its own reset does for every
    # service (BackendDict.reset), skipping DynamoDB so the tables survive.
    for backends in list(BackendDict._instances):  # type: ignore[misc]
        if backends.service_name.startswith("dynamodb"):
            continue
        for account in backends.values():
            account.reset()


def stored_items(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table of ``settings``, as moto stores them, in key order.

    What a Scan of each table would answer, read from moto's own store: a rejected request
    is proved to change nothing by comparing this before and after it, and through the
    client (a new client, six Scans) that cost ~64 ms a snapshot, most of it botocore and
    moto serialising the calls (the hostile-input tests take 200 per test).
    ``tests/functional/test_moto_isolation.py`` shows a write through the client is seen.
    """
    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][settings.region]
    return {
        name: [item.to_json()["Attributes"] for item in backend.get_table(name).all_items()]
        for name in table_names(settings).values()
    }
