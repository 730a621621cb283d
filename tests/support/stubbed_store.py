"""The authorizer over a DynamoDB client it is handed: a stubbed one, or a fake.

``new_client`` makes a real botocore client (dummy credentials: a ``Stubber`` answers before
anything is signed or sent); ``Issued`` is a token with the raw items the stub serves for it;
``runtime_over`` builds the authorizer's runtime on whatever client a factory makes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session

from chalicelib.authorizer.runtime import Runtime, build_runtime
from chalicelib.config.scale import ScaleSettings
from chalicelib.config.settings import Settings
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.peppers import PepperSource, StaticPeppers, hash_secret
from chalicelib.storage.hotpath import HotStore
from tests.support.clock import FakeClock
from tests.support.events import Shape
from tests.support.settings import settings_for_tests

SETTINGS = settings_for_tests()
PEPPERS = StaticPeppers(SETTINGS.keys.local_peppers)
SESSION = botocore.session.get_session()  # one session: its service models load once
ROUTE = ("GET", "/orders/7")
SOURCE = "198.51.100.7"
STAMP = "2026-11-01T00:00:00.000000+0000"


def new_client(service: str = "dynamodb") -> Any:
    # Dummy credentials: a Stubber answers before anything is signed or sent.
    return SESSION.create_client(
        service,
        region_name=SETTINGS.region,
        aws_access_key_id="stubbed",
        aws_secret_access_key="stubbed",
    )


class Issued:
    """A token and the raw DynamoDB items the stub serves for it."""

    def __init__(self, pepper_version: int = 1) -> None:
        self.token, parts = KeyFormat(SETTINGS.keys.prefix).mint()
        self.key_id, self.secret = parts.key_id, parts.secret
        self.pepper_version = pepper_version

    def key_item(self) -> dict[str, Any]:
        pepper = SETTINGS.keys.local_peppers[1]
        return {
            "key_id": {"S": self.key_id},
            "tenant_id": {"S": "acme"},
            "name": {"S": "Billing worker"},
            "group_id": {"S": "grp_orders"},
            "status": {"S": "active"},
            "ip_allowlist": {"L": []},
            "created_by": {"M": {"type": {"S": "user"}, "id": {"S": "u1"}, "name": {"S": "Ada"}}},
            "created_at": {"S": STAMP},
            "updated_at": {"S": STAMP},
            "hint": {"S": f"{SETTINGS.keys.prefix}_{self.key_id}_"},
            "secret_hash": {"S": hash_secret(pepper, self.secret)},
            "pepper_version": {"N": str(self.pepper_version)},
        }


GROUP_ITEM = {
    "group_id": {"S": "grp_orders"},
    "tenant_id": {"S": "acme"},
    "name": {"S": "Orders"},
    "permissions": {"L": [{"S": "orders:read"}]},
    "routes": {"L": [{"S": "GET /orders/*"}]},
    "created_at": {"S": STAMP},
    "updated_at": {"S": STAMP},
}


def runtime_over(
    client_factory: Callable[[], Any],
    shape: Shape = Shape.REST_REQUEST,
    peppers: PepperSource = PEPPERS,
    clock: FakeClock | None = None,
) -> Runtime:
    # Each call reads afresh (no key cache), and retries do not wait: these tests stub
    # every request in order.
    settings: Settings = settings_for_tests(
        simple_responses=shape is Shape.HTTP_SIMPLE, scale=ScaleSettings(key_cache_seconds=0)
    )
    store = HotStore(settings, client_factory=client_factory, sleep=lambda _: None)
    return build_runtime(settings, clock or FakeClock(), store=store, peppers=peppers)
