"""The per-key token bound under real concurrency, on DynamoDB Local.

Twenty token requests of one key released at once, each for a new scope (no token to
reuse), against a rate of five signatures a minute: exactly five are signed (counted at
the Signer, where KMS would be called) and fifteen refused with a wait; another key keeps
its own rate. The keys are read from DynamoDB Local as in production.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace

import pytest

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.config.settings import Settings
from chalicelib.domain.access_tokens import IssuedToken
from chalicelib.domain.errors import TokenRateLimited
from chalicelib.domain.groups import GroupDraft
from chalicelib.domain.keys import Issued, KeyDraft
from chalicelib.domain.tenants import OPERATOR
from chalicelib.storage.token_keys import TokenKeys
from chalicelib.wiring.services import Services, build_services
from scripts.bench_token_issuance import CountingSigner
from tests.conftest import Counters
from tests.integration.test_races import at_once
from tests.token_keys import ISSUER, local_signer

RATE = 5
PERMISSIONS = ("a:1", "a:2", "a:3", "a:4")


@pytest.fixture
def counting() -> CountingSigner:
    return CountingSigner(local_signer())


@pytest.fixture
def services(local_settings: Settings, counting: CountingSigner) -> Services:
    tokens = AccessTokenSettings(
        issuer=ISSUER, local_key="unused: the keys are injected", signs_per_key_per_minute=RATE
    )
    settings = replace(local_settings, access_tokens=tokens)
    return build_services(settings, token_keys=TokenKeys(counting, local_signer()))


def new_key(services: Services) -> Issued:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    services.tenants.create(tenant, 5)
    group = services.groups.create(tenant, GroupDraft("Racers", "", PERMISSIONS, ("* /*",)))
    return services.keys.create(tenant, OPERATOR, KeyDraft("k", "", group.group_id, None, ()))


def request_for(services: Services, issued: Issued, scope: str) -> IssuedToken:
    assert services.access_tokens is not None
    issuer = services.access_tokens.issuer
    decision = issuer.authenticate(issued.key.key_id, issued.token, None)
    return issuer.issue(decision, scope)


def test_twenty_concurrent_new_tokens_of_one_key_sign_exactly_its_rate(
    services: Services, counting: CountingSigner, reliability: Counters
) -> None:
    issued = new_key(services)
    scopes = [" ".join(order) for order in itertools.permutations(PERMISSIONS)][:20]

    results = at_once(
        *[lambda scope=scope: request_for(services, issued, scope) for scope in scopes]
    )
    reliability.races += 1

    signed = [result for result in results if isinstance(result, IssuedToken)]
    limited = [result for result in results if isinstance(result, TokenRateLimited)]
    assert (len(signed), len(limited)) == (RATE, 20 - RATE)
    assert counting.signs == RATE
    assert all(error.retry_after >= 1 for error in limited)
    assert request_for(services, new_key(services), "a:1").access_token
