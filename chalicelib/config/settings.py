"""The one typed settings object, read from the environment once.

Nothing else in Latchkey reads ``os.environ``. Chalice stages set these variables in
``.chalice/config.json``; ``make dev`` and the tests set them for the local store.

:class:`Settings` is made of one frozen part per concern, each in its own module beside this
one, each holding its defaults (written once, as the part's field defaults) and reading its
own variables, in their text formats, in its ``from_env``: dynamodb.py, keys.py, limits.py,
scale.py, oidc.py, access_tokens.py, console.py, sweep.py and leaks.py. Those modules read only
the mapping handed to them and import nothing from this one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.config.console import ConsoleSettings
from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.config.keys import KeySettings
from chalicelib.config.leaks import LeakSettings
from chalicelib.config.limits import LimitSettings
from chalicelib.config.oidc import OidcSettings
from chalicelib.config.platform import PlatformSettings
from chalicelib.config.scale import ScaleSettings
from chalicelib.config.sweep import SweepSettings
from chalicelib.config.webhooks import WebhookSettings

TRUE = frozenset({"1", "true", "yes", "on"})
AUTHORIZER_ROLE = "authorizer"
# The token lifetime is the token endpoint's: the authorizer only verifies.
LIFETIME_VARIABLE = "LATCHKEY_TOKEN_LIFETIME_SECONDS"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one Latchkey deployment: a few facts about the
    deployment itself, then one part per concern."""

    stage: str = "local"
    # "authorizer" on the authorizer's Lambda: app.py then skips the management API's
    # imports, which the authorizer never uses (cold start).
    role: str = "all"
    region: str = "us-east-1"
    # The EventBridge bus the expiry sweep and the leak reports send their events to.
    event_bus: str = "default"
    # HTTP APIs configured with simple responses get {isAuthorized, context} from the
    # authorizer; REST APIs and the rest of HTTP APIs get an IAM policy.
    simple_responses: bool = False
    dynamodb: DynamoDbSettings = field(default_factory=DynamoDbSettings)
    keys: KeySettings = field(default_factory=KeySettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    scale: ScaleSettings = field(default_factory=ScaleSettings)
    oidc: OidcSettings = field(default_factory=OidcSettings)
    access_tokens: AccessTokenSettings = field(default_factory=AccessTokenSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    sweep: SweepSettings = field(default_factory=SweepSettings)
    leaks: LeakSettings = field(default_factory=LeakSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    platform: PlatformSettings = field(default_factory=PlatformSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``LATCHKEY_*`` variables; unset ones keep their defaults.

        With ``LATCHKEY_ROLE=authorizer`` only the parts the authorizer uses are read (its
        tables, keys, caches and token keys): stage variables reach every function, and a
        typo in a console colour or a sweep threshold must not deny every downstream
        request. Every other role reads and checks every part at its start.
        """
        env = os.environ if env is None else env
        default = cls()
        base = cls(
            stage=env.get("LATCHKEY_STAGE", default.stage),
            role=env.get("LATCHKEY_ROLE", default.role),
            region=env.get("AWS_REGION", env.get("AWS_DEFAULT_REGION", default.region)),
            event_bus=env.get("LATCHKEY_EVENT_BUS") or default.event_bus,
            simple_responses=env.get("LATCHKEY_SIMPLE_RESPONSES", "").lower() in TRUE,
            dynamodb=DynamoDbSettings.from_env(env),
            keys=KeySettings.from_env(env),
            scale=ScaleSettings.from_env(env),
        )
        if base.role == AUTHORIZER_ROLE:
            verifying = {name: value for name, value in env.items() if name != LIFETIME_VARIABLE}
            return replace(base, access_tokens=AccessTokenSettings.from_env(verifying))
        return replace(
            base,
            limits=LimitSettings.from_env(env),
            oidc=OidcSettings.from_env(env),
            access_tokens=AccessTokenSettings.from_env(env),
            console=ConsoleSettings.from_env(env),
            sweep=SweepSettings.from_env(env),
            leaks=LeakSettings.from_env(env),
            webhooks=WebhookSettings.from_env(env, base.stage),
            platform=PlatformSettings.from_env(env),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return Settings.from_env()
