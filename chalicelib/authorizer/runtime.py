"""What the authorizer needs, built once per container on its first call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.authorizer.bearer import TokenGate
from chalicelib.clock import utc_now
from chalicelib.config.settings import Settings, get_settings
from chalicelib.domain.access import AccessControl, GroupCache
from chalicelib.domain.key_cache import KeyCache
from chalicelib.domain.key_format import KeyFormat
from chalicelib.domain.peppers import PepperSource
from chalicelib.domain.signing import PublicKeys
from chalicelib.domain.usage import UsageRecorder
from chalicelib.domain.verification import Verifier
from chalicelib.observability import log
from chalicelib.observability.decisions import DecisionTelemetry
from chalicelib.observability.metrics import AUTHORIZER
from chalicelib.storage.hotpath import HotStore
from chalicelib.storage.ssm_peppers import peppers_for
from chalicelib.wiring.singleton import ProcessSingleton


@dataclass(frozen=True)
class Runtime:
    """The decision and the settings that shape the answer."""

    settings: Settings
    store: HotStore
    control: AccessControl
    usage: UsageRecorder
    # Access tokens: the checker is built on the first bearer token; None
    # refuses every token.
    tokens: TokenGate | None = None
    telemetry: DecisionTelemetry = field(
        default_factory=lambda: DecisionTelemetry(AUTHORIZER, "authorizer")
    )
    key_cache: KeyCache | None = None  # The per-container key cache


def build_runtime(
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    store: HotStore | None = None,
    peppers: PepperSource | None = None,
    token_keys: PublicKeys | None = None,
    telemetry: DecisionTelemetry | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Runtime:
    store = store or HotStore(settings)
    scale = settings.scale
    # A busy key is read once per LATCHKEY_KEY_CACHE_SECONDS per container.
    key_cache = KeyCache(store, scale.key_cache_seconds, scale.key_cache_entries, monotonic)
    verifier = Verifier(
        KeyFormat(settings.keys.prefix),
        key_cache,
        peppers or peppers_for(settings),
        clock,
        recheck=key_cache.recheck,
    )
    usage = UsageRecorder(store, clock, timedelta(seconds=scale.usage_flush_seconds))
    groups = GroupCache(store, scale.group_cache_seconds, monotonic, size=scale.group_cache_entries)
    tokens = TokenGate(settings, clock, token_keys)
    telemetry = telemetry or DecisionTelemetry(AUTHORIZER, "authorizer")
    control = AccessControl(verifier, groups, usage)
    return Runtime(
        settings, store, control, usage, tokens=tokens, telemetry=telemetry, key_cache=key_cache
    )


def _first_runtime() -> Runtime:
    # The Lambda's first call: its other log lines become JSON too.
    log.configure(AUTHORIZER, "authorizer")
    return build_runtime(get_settings())


_runtime: ProcessSingleton[Runtime] = ProcessSingleton(_first_runtime)


def get_runtime() -> Runtime:
    """The container's runtime, built on its first decision."""
    return _runtime.get()
