"""Benchmark: what one page of ``GET /v1/keys`` reads, at 1,000, 10,000 and 100,000 keys.

On DynamoDB Local, one tenant holds every key: 1% revoked, none expired, 2% expiring soon,
0.5% reported leaked, the rest valid. For the unfiltered first page (the floor) and each
filter, the first page of 50 is read through the key service with a ``Meter`` on the keys
table's client (scripts/capacity.py): requests, items read (index items + keys), read
units and milliseconds (median of 5), and the ratio of items read to the floor's. Target:
every figure flat from 1,000 to 100,000 keys (a filter's cost does not grow with the
tenant, however few keys match). At 10,000 keys it also measures the projection choice
(chalicelib/storage/key_list.py): one facet Query of 51 items from the KEYS_ONLY index
beside the same Query from an ALL-projection copy of it. Run with ``make bench``.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.config.settings import Settings
from chalicelib.domain.expiry import ExpiryPolicy
from chalicelib.domain.records import Actor, ApiKey, ExpiryState, KeyStatus, SecretHash
from chalicelib.storage.key_index import place
from chalicelib.storage.key_model import KeyModel
from chalicelib.storage.keys import KeyStore
from chalicelib.storage.schema import _template_tables
from chalicelib.wiring.services import Services, build_services
from scripts.bench_support import local_client, local_dynamodb, metered, new_tables
from scripts.capacity import Meter, Usage

SIZES = (1_000, 10_000, 100_000)
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
OWNER = Actor(type="system", id="bench", name="List benchmark")
TENANT = "bench"
PAGE = 50
RUNS = 5
# At most: 4 facet Queries of limit + 2 index items, and the page's keys.
BOUND = 4 * (PAGE + 2) + PAGE
# (label, status, expiry, leaked)
CASES: list[tuple[str, KeyStatus | None, ExpiryState | None, bool | None]] = [
    ("unfiltered (floor)", None, None, None),
    ("status=revoked (1%)", KeyStatus.REVOKED, None, None),
    ("expiry=expired (none)", None, ExpiryState.EXPIRED, None),
    ("expiry=expiring_soon (2%)", None, ExpiryState.EXPIRING_SOON, None),
    ("leaked=true (0.5%)", None, None, True),
    ("active, valid, clean", KeyStatus.ACTIVE, ExpiryState.VALID, False),
]


def bench_key(number: int) -> tuple[ApiKey, bool]:
    """Key ``number`` of the population, and whether it is reported leaked."""
    if number % 50 == 7:
        expires: datetime | None = NOW + timedelta(days=1 + number % 5)  # expiring soon
    elif number % 2:
        expires = NOW + timedelta(days=30 + number % 300)
    else:
        expires = None
    created = NOW - timedelta(days=60) + timedelta(seconds=number)
    key = ApiKey(
        key_id=f"b{number:07d}{uuid.uuid4().hex[:8]}",
        tenant_id=TENANT,
        name=f"Bench key {number}",
        description="",
        group_id="grp_bench",
        status=KeyStatus.REVOKED if number % 100 == 3 else KeyStatus.ACTIVE,
        expires_at=expires,
        ip_allowlist=(),
        created_by=OWNER,
        created_at=created,
        updated_at=created,
        hint="lk_test_bench...",
        current_secret=SecretHash("0" * 64, 1),
    )
    return key, number % 200 == 11


def write_items(client: Any, settings: Settings, size: int) -> None:
    """BatchWriteItem the items ``KeyStore.create`` would put, 25 a call, 8 threads."""
    policy = ExpiryPolicy(settings.sweep.expiry_thresholds_days)

    def item(number: int) -> dict[str, Any]:
        key, leaked = bench_key(number)
        due = None if key.expires_at is None else policy.first_due(key.expires_at)
        made = KeyStore.new_item(key, due)
        if leaked:
            made.leaked_at = NOW - timedelta(days=1)
            place(made)  # the leak moves it to the tenant's leaked facet
        serialized: dict[str, Any] = made.serialize()
        return serialized

    def put(start: int) -> None:
        chunk = [item(number) for number in range(start, min(start + 25, size))]
        requests: dict[str, Any] = {
            settings.dynamodb.keys_table: [{"PutRequest": {"Item": entry}} for entry in chunk]
        }
        while requests:
            requests = client.batch_write_item(RequestItems=requests)["UnprocessedItems"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, range(0, size, 25)))


def measure(meter: Meter, read: Callable[[], object]) -> tuple[Usage, float]:
    """The usage of one read, and the median time of ``RUNS`` reads (ms)."""
    _, used, ms = metered(meter, read, RUNS)
    return used, ms


def run_size(endpoint: str, client: Any, size: int) -> list[tuple[str, int, int, float]]:
    settings = new_tables(endpoint)
    started = time.monotonic()
    write_items(client, settings, size)
    loaded = time.monotonic() - started
    services: Services = build_services(settings, lambda: NOW)
    meter = Meter.on(KeyModel._get_connection().connection.client)
    print(f"{size:>7} keys (loaded in {loaded:.0f} s):")
    rows = []
    floor = None
    for label, status, expiry, leaked in CASES:

        def read(
            s: KeyStatus | None = status, e: ExpiryState | None = expiry, x: bool | None = leaked
        ) -> object:
            return services.keys.list(TENANT, s, e, PAGE, None, leaked=x)

        used, ms = measure(meter, read)
        floor = floor or used.items_read
        print(
            f"  {label:<26} {used.requests} requests "
            f"({', '.join(f'{n} {op}' for op, n in sorted(used.by_operation.items()))}), "
            f"{used.items_read:>3} items read ({used.items_read / floor:.2f}x floor), "
            f"{used.read_units:5.1f} RCU, {ms:5.1f} ms"
        )
        rows.append((label, used.requests, used.items_read, used.read_units))
    return rows


def projection_figures(client: Any) -> None:
    """One facet Query of 51 items: the KEYS_ONLY index beside an ALL-projection copy."""
    suffix = uuid.uuid4().hex[:6]
    definition = _template_tables()["KeysTable"]
    tables = {}
    for projection in ("KEYS_ONLY", "ALL"):
        name = f"bench-projection-{projection.lower()}-{suffix}"
        indexes = [
            {**index, "Projection": {"ProjectionType": projection}}
            for index in definition["GlobalSecondaryIndexes"]
            if index["IndexName"] == "list-created-index"
        ]
        client.create_table(
            TableName=name,
            AttributeDefinitions=[
                a
                for a in definition["AttributeDefinitions"]
                if a["AttributeName"] in {"key_id", "list_facet", "created_sort"}
            ],
            KeySchema=definition["KeySchema"],
            GlobalSecondaryIndexes=indexes,
            BillingMode="PAY_PER_REQUEST",
        )
        write_items(client, Settings(dynamodb=DynamoDbSettings(keys_table=name)), 2_000)
        tables[projection] = name
    for projection, name in tables.items():
        answer = client.query(
            TableName=name,
            IndexName="list-created-index",
            KeyConditionExpression="list_facet = :facet",
            ExpressionAttributeValues={":facet": {"S": f"{TENANT}#active#clean"}},
            ScanIndexForward=False,
            Limit=PAGE + 1,
            ReturnConsumedCapacity="TOTAL",
        )
        units = answer["ConsumedCapacity"]["CapacityUnits"]
        print(f"  one facet Query of {answer['Count']} items, {projection:<9}: {units:.1f} RCU")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_lists", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    print(f"Key list pages of {PAGE} on DynamoDB Local, one tenant (target: flat in its size)")
    with local_dynamodb() as endpoint:
        client = local_client(endpoint)
        results = {size: run_size(endpoint, client, size) for size in args.sizes}
        print("Projection of the list indexes (chalicelib/storage/key_list.py):")
        projection_figures(client)
    # Below a page of matches a sparse filter reads less (1,000 keys: 10 revoked); once
    # every filter fills its page (10,000 keys on) a page's cost must not move at all, and
    # never pass the bound: 4 facet Queries of limit + 2 index items, and one BatchGetItem.
    sizes = sorted(results)
    grew = [row[0] for rows in results.values() for row in rows if row[2] > BOUND or row[1] > 5]
    if len(sizes) > 1:
        middle, largest = results[sizes[-2]], results[sizes[-1]]
        # A facet just under a page at 10,000 keys (50 leaked) may read one item less.
        grew += [
            a[0] for a, b in zip(middle, largest, strict=True) if b[1] > a[1] or b[2] > a[2] + 2
        ]
    verdict = "yes" if not grew else f"NO: {', '.join(sorted(set(grew)))}"
    print(f"flat in tenant size, <= {BOUND} items a page: {verdict}")
    return 1 if grew else 0


if __name__ == "__main__":
    raise SystemExit(main())
