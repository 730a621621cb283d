"""The one settings object: every ``LATCHKEY_*`` variable, read from a mapping we pass in."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

import pytest

from chalicelib.config import access_tokens as config_access_tokens
from chalicelib.config import console as config_console
from chalicelib.config import dynamodb as config_dynamodb
from chalicelib.config import keys as config_keys
from chalicelib.config import leaks as config_leaks
from chalicelib.config import limits as config_limits
from chalicelib.config import oidc as config_oidc
from chalicelib.config import platform as config_platform
from chalicelib.config import scale as config_scale
from chalicelib.config import settings as settings_module
from chalicelib.config import sweep as config_sweep
from chalicelib.config import webhooks as config_webhooks
from chalicelib.config.access_tokens import AccessTokenSettings
from chalicelib.config.console import ConsoleSettings
from chalicelib.config.dynamodb import DynamoDbSettings
from chalicelib.config.keys import KeySettings, parse_peppers
from chalicelib.config.leaks import LeakSettings
from chalicelib.config.limits import LimitSettings
from chalicelib.config.oidc import OidcSettings
from chalicelib.config.platform import PlatformSettings
from chalicelib.config.scale import ScaleSettings
from chalicelib.config.settings import Settings
from chalicelib.config.sweep import SweepSettings
from chalicelib.config.webhooks import WebhookSettings

EVERY_VARIABLE = {
    "LATCHKEY_STAGE": "prod",
    "LATCHKEY_KEY_PREFIX": "acme_live",
    "LATCHKEY_KEYS_TABLE": "prod-keys",
    "LATCHKEY_GROUPS_TABLE": "prod-groups",
    "LATCHKEY_TENANTS_TABLE": "prod-tenants",
    "LATCHKEY_DYNAMODB_ENDPOINT": "http://localhost:8000",
    "LATCHKEY_PEPPERS": "1:first,2:second",
    "LATCHKEY_PEPPER_PARAMETER": "/latchkey/prod/pepper",
    "LATCHKEY_DEFAULT_KEY_LIMIT": "250",
    "LATCHKEY_EXPIRING_SOON_DAYS": "30",
    "LATCHKEY_USAGE_TABLE": "prod-usage",
    "LATCHKEY_USAGE_FLUSH_SECONDS": "120",
    "LATCHKEY_GROUP_CACHE_SECONDS": "5",
    "LATCHKEY_SIMPLE_RESPONSES": "true",
    "LATCHKEY_ROLE": "api",  # any role but "authorizer" reads every variable
    "LATCHKEY_IDEMPOTENCY_TABLE": "prod-idempotency",
    "LATCHKEY_AUDIT_TABLE": "prod-audit",
    "LATCHKEY_AUDIT_RETENTION_DAYS": "90",
    "LATCHKEY_EXPIRY_THRESHOLDS_DAYS": "14,3",
    "LATCHKEY_EVENT_BUS": "latchkey-prod",
    "LATCHKEY_EXPIRY_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:expiry",
    "LATCHKEY_SWEEP_SCHEDULE": "rate(15 minutes)",
    "LATCHKEY_OIDC_ISSUER": "https://issuer.example/pool/",
    "LATCHKEY_OIDC_AUDIENCE": "console",
    "LATCHKEY_OIDC_JWKS_URL": "https://issuer.example/keys",
    "LATCHKEY_OIDC_TENANT_CLAIM": "tenant",
    "LATCHKEY_OIDC_ROLES_CLAIM": "roles",
    "LATCHKEY_OIDC_ROLES": "Key admins=keys:manage; Auditors = keys:read",
    "LATCHKEY_DYNAMODB_CONNECT_TIMEOUT_SECONDS": "3",
    "LATCHKEY_DYNAMODB_MAX_RETRIES": "0",
    "LATCHKEY_GITHUB_KEYS_URL": "file:///etc/latchkey/github-keys.json",
    "LATCHKEY_LEAK_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:leaks",
    "AWS_REGION": "eu-west-1",
    # Access tokens.
    "LATCHKEY_TOKEN_ISSUER": "https://auth.example/api/",
    "LATCHKEY_TOKEN_AUDIENCE": "orders-api",
    "LATCHKEY_TOKEN_LIFETIME_SECONDS": "900",
    "LATCHKEY_TOKEN_SIGNING_KEY": "arn:aws:kms:eu-west-1:123456789012:key/one",
    "LATCHKEY_TOKEN_NEXT_KEY": "arn:aws:kms:eu-west-1:123456789012:key/two",
    "LATCHKEY_TOKEN_LOCAL_KEY": ".local/token-signing-key.pem",
    "LATCHKEY_TOKEN_REUSE": "false",
    "LATCHKEY_TOKEN_SIGNS_PER_KEY_PER_MINUTE": "10",
    # The console.
    "LATCHKEY_CONSOLE_CLIENT_ID": "console-client",
    "LATCHKEY_CONSOLE_CONNECT_ORIGINS": "https://auth.example.com https://login.example.com",
    "LATCHKEY_CONSOLE_FRAME_ANCESTORS": "'self' https://app.vendor.example",
    "LATCHKEY_CONSOLE_PRODUCT_NAME": "Acme API keys",
    "LATCHKEY_CONSOLE_LOGO_URL": "/static/acme.svg",
    "LATCHKEY_CONSOLE_ACCENT": "#0F766E",
    "LATCHKEY_DEFAULT_GROUP_LIMIT": "75",
    # Usage totals and hot keys.
    "LATCHKEY_KEY_CACHE_SECONDS": "2.5",
    "LATCHKEY_KEY_CACHE_ENTRIES": "200",
    "LATCHKEY_GROUP_CACHE_ENTRIES": "50",
    "LATCHKEY_USAGE_TOTAL_SHARDS": "30",
    # The expiry sweep at scale.
    "LATCHKEY_SWEEP_SHARDS": "32",
    "LATCHKEY_SWEEP_WORKERS": "8",
    "LATCHKEY_SWEEP_BATCH": "10",
    "LATCHKEY_WEBHOOK_ENDPOINTS_TABLE": "prod-webhook-endpoints",
    "LATCHKEY_WEBHOOK_OUTBOX_TABLE": "prod-webhook-outbox",
    "LATCHKEY_WEBHOOK_DELIVERIES_TABLE": "prod-webhook-deliveries",
    "LATCHKEY_WEBHOOK_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks",
    "LATCHKEY_WEBHOOK_ENDPOINT_LIMIT": "3",
    "LATCHKEY_WEBHOOK_TIMEOUT_SECONDS": "2.5",
    "LATCHKEY_WEBHOOK_RETRY_HOURS": "12",
    "LATCHKEY_PLATFORM_KEYS_TABLE": "prod-platform-keys",
    "LATCHKEY_PLATFORM_ROLE": "latchkey-platform-admin",
    "LATCHKEY_PLATFORM_READ_ROLE": "latchkey-platform-viewer",
    "LATCHKEY_PLATFORM_ROLE_CLAIM": "roles",
}


def test_every_variable_is_read_into_its_field() -> None:
    assert Settings.from_env(EVERY_VARIABLE) == Settings(
        stage="prod",
        role="api",
        region="eu-west-1",
        event_bus="latchkey-prod",
        simple_responses=True,
        dynamodb=DynamoDbSettings(
            endpoint="http://localhost:8000",
            keys_table="prod-keys",
            groups_table="prod-groups",
            tenants_table="prod-tenants",
            usage_table="prod-usage",
            idempotency_table="prod-idempotency",
            audit_table="prod-audit",
            audit_retention_days=90,
            connect_timeout_seconds=3,
            max_retries=0,
        ),
        keys=KeySettings(
            prefix="acme_live",
            local_peppers={1: b"first", 2: b"second"},
            pepper_parameter="/latchkey/prod/pepper",
            expiring_soon_days=30,
        ),
        limits=LimitSettings(keys_per_tenant=250, groups_per_tenant=75),
        scale=ScaleSettings(
            key_cache_seconds=2.5,
            key_cache_entries=200,
            group_cache_seconds=5,
            group_cache_entries=50,
            usage_flush_seconds=120,
            usage_total_shards=30,
        ),
        oidc=OidcSettings(
            issuer="https://issuer.example/pool",
            audience="console",
            jwks_url="https://issuer.example/keys",
            tenant_claim="tenant",
            roles_claim="roles",
            roles={"Key admins": "keys:manage", "Auditors": "keys:read"},
        ),
        access_tokens=AccessTokenSettings(
            issuer="https://auth.example/api",  # no trailing slash: URLs are built on it
            audience="orders-api",
            lifetime_seconds=900,
            signing_key="arn:aws:kms:eu-west-1:123456789012:key/one",
            next_key="arn:aws:kms:eu-west-1:123456789012:key/two",
            local_key=".local/token-signing-key.pem",
            reuse=False,
            signs_per_key_per_minute=10,
        ),
        console=ConsoleSettings(
            client_id="console-client",
            connect_origins=("https://auth.example.com", "https://login.example.com"),
            frame_ancestors="'self' https://app.vendor.example",
            product_name="Acme API keys",
            logo_url="/static/acme.svg",
            accent="#0f766e",
        ),
        sweep=SweepSettings(
            expiry_thresholds_days=(14, 3, 0),
            schedule="rate(15 minutes)",
            topic_arn="arn:aws:sns:eu-west-1:123456789012:expiry",
            shards=32,
            workers=8,
            batch=10,
        ),
        leaks=LeakSettings(
            github_keys_url="file:///etc/latchkey/github-keys.json",
            topic_arn="arn:aws:sns:eu-west-1:123456789012:leaks",
        ),
        webhooks=WebhookSettings(
            endpoints_table="prod-webhook-endpoints",
            outbox_table="prod-webhook-outbox",
            deliveries_table="prod-webhook-deliveries",
            queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks",
            endpoint_limit=3,
            timeout_seconds=2.5,
            retry_hours=12,
        ),
        platform=PlatformSettings(
            keys_table="prod-platform-keys",
            role="latchkey-platform-admin",
            read_role="latchkey-platform-viewer",
            role_claim="roles",
        ),
    )


@pytest.mark.parametrize("lifetime", ["0", "3601", "-5"])
def test_a_token_lifetime_outside_one_second_to_an_hour_is_refused(lifetime: str) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_TOKEN_LIFETIME_SECONDS"):
        Settings.from_env({"LATCHKEY_TOKEN_LIFETIME_SECONDS": lifetime})


def test_the_token_audience_defaults_to_the_issuer() -> None:
    settings = Settings.from_env({"LATCHKEY_TOKEN_ISSUER": "https://auth.example"})
    assert settings.access_tokens.audience_or_issuer == "https://auth.example"
    assert not settings.access_tokens.enabled  # no signing key yet


def leaves(value: object, path: str = "") -> dict[str, object]:
    """Every plain setting inside ``value``, by its dotted path (``scale.key_cache_seconds``)."""
    if not is_dataclass(value):
        return {path: value}
    found: dict[str, object] = {}
    for part in fields(value):
        found |= leaves(getattr(value, part.name), f"{path}.{part.name}".lstrip("."))
    return found


# Stage variables reach every function: a value only another role uses must not stop the
# authorizer, or a typo in a console colour denies every downstream request.
NOT_THE_AUTHORIZERS = {
    "LATCHKEY_CONSOLE_ACCENT": "blue",
    "LATCHKEY_CONSOLE_LOGO_URL": "https://cdn.example/logo.svg",
    "LATCHKEY_CONSOLE_FRAME_ANCESTORS": "*",
    "LATCHKEY_CONSOLE_CONNECT_ORIGINS": "ftp://x",
    "LATCHKEY_EXPIRY_THRESHOLDS_DAYS": "soon",
    "LATCHKEY_DEFAULT_GROUP_LIMIT": "many",
    "LATCHKEY_DEFAULT_KEY_LIMIT": "many",
    "LATCHKEY_OIDC_ROLES": "no equals sign",
    "LATCHKEY_SWEEP_SHARDS": "0",
    "LATCHKEY_TOKEN_LIFETIME_SECONDS": "0",
}


def test_the_authorizer_reads_only_what_it_uses_and_ignores_bad_values_of_other_roles() -> None:
    env = EVERY_VARIABLE | NOT_THE_AUTHORIZERS | {"LATCHKEY_ROLE": "authorizer"}
    loaded = Settings.from_env(env)
    everything = Settings.from_env(EVERY_VARIABLE)
    assert (loaded.dynamodb, loaded.keys, loaded.scale, loaded.region) == (
        everything.dynamodb,
        everything.keys,
        everything.scale,
        everything.region,
    )
    assert loaded.simple_responses == everything.simple_responses
    assert replace(loaded.access_tokens, lifetime_seconds=0) == replace(
        everything.access_tokens, lifetime_seconds=0
    )
    assert loaded.role == "authorizer"
    assert (loaded.console, loaded.sweep, loaded.limits, loaded.oidc) == (
        Settings().console,
        Settings().sweep,
        Settings().limits,
        Settings().oidc,
    )


@pytest.mark.parametrize("variable", sorted(NOT_THE_AUTHORIZERS))
def test_every_other_role_refuses_a_bad_value_at_its_start(variable: str) -> None:
    with pytest.raises(ValueError, match=r"LATCHKEY_|invalid literal"):
        Settings.from_env({variable: NOT_THE_AUTHORIZERS[variable]})


def test_every_field_can_be_changed_from_the_environment() -> None:
    configured, default = leaves(Settings.from_env(EVERY_VARIABLE)), leaves(Settings())
    unchanged = [name for name, value in configured.items() if value == default[name]]
    # Loopback http webhooks exist only in the local stage (tested below), not in "prod".
    assert unchanged == ["webhooks.allow_loopback_http"]


def test_loopback_http_webhooks_can_be_allowed_in_the_local_stage_only() -> None:
    allow = {"LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP": "true"}
    assert Settings.from_env({**allow, "LATCHKEY_STAGE": "local"}).webhooks.allow_loopback_http
    for stage in ("dev", "prod"):
        with pytest.raises(ValueError, match="only allowed in the local stage"):
            Settings.from_env({**allow, "LATCHKEY_STAGE": stage})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LATCHKEY_WEBHOOK_ENDPOINT_LIMIT", "0"),
        ("LATCHKEY_WEBHOOK_TIMEOUT_SECONDS", "0"),
        ("LATCHKEY_WEBHOOK_TIMEOUT_SECONDS", "31"),
    ],
)
def test_webhook_limits_out_of_range_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_settings_are_made_of_one_part_per_concern() -> None:
    parts = {part.name for part in fields(Settings) if is_dataclass(part.default_factory)}
    assert parts == {
        "dynamodb",
        "keys",
        "limits",
        "scale",
        "oidc",
        "access_tokens",
        "console",
        "sweep",
        "leaks",
        "webhooks",
        "platform",
    }


CONFIG_MODULES = (
    settings_module,
    config_access_tokens,
    config_console,
    config_dynamodb,
    config_keys,
    config_leaks,
    config_limits,
    config_oidc,
    config_scale,
    config_sweep,
    config_webhooks,
    config_platform,
)


def test_this_suite_covers_every_variable_the_package_reads() -> None:
    # A variable added to chalicelib/config/ without a test here fails this test.
    source = "".join(inspect.getsource(module) for module in CONFIG_MODULES)
    read = set(re.findall(r'"(LATCHKEY_[A-Z_]+)"', source))
    # The loopback switch is tested on its own (the "prod" stage refuses it).
    local_only = {"LATCHKEY_WEBHOOK_ALLOW_LOOPBACK_HTTP"}
    assert read == {name for name in EVERY_VARIABLE if name.startswith("LATCHKEY_")} | local_only


def test_every_module_of_the_config_package_is_covered() -> None:
    package = Path(settings_module.__file__).parent
    modules = {path.stem for path in package.glob("*.py")} - {"__init__"}
    assert modules == {module.__name__.rsplit(".", 1)[1] for module in CONFIG_MODULES}


def test_a_default_is_written_once_in_its_part() -> None:
    # The parts' modules hold their defaults; settings.py only reads them back.
    source = inspect.getsource(settings_module)
    assert "latchkey-keys" not in source
    assert "lk_live" not in source
    assert "rate(1 hour)" not in source


def test_unset_variables_keep_their_defaults() -> None:
    loaded = Settings.from_env({})
    assert loaded == Settings()
    assert loaded.stage == "local"
    assert loaded.keys.prefix == "lk_live"
    tables = loaded.dynamodb
    assert (tables.keys_table, tables.groups_table, tables.tenants_table) == (
        "latchkey-keys",
        "latchkey-groups",
        "latchkey-tenants",
    )
    assert loaded.region == "us-east-1"
    assert loaded.dynamodb.endpoint is None
    assert loaded.keys.local_peppers == {}
    assert loaded.keys.pepper_parameter is None
    assert loaded.limits.keys_per_tenant == 10
    assert loaded.limits.groups_per_tenant == 50
    assert loaded.keys.expiring_soon_days == 7
    assert loaded.dynamodb.usage_table == "latchkey-usage"
    assert loaded.scale.usage_flush_seconds == 60
    assert loaded.scale.group_cache_seconds == 30
    assert loaded.simple_responses is False
    assert loaded.role == "all"


def test_unrelated_variables_are_ignored() -> None:
    assert Settings.from_env({"LATCHKEY_UNKNOWN": "x", "PATH": "/bin"}) == Settings()


def test_region_prefers_aws_region_over_aws_default_region() -> None:
    both = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-south-1"}
    assert Settings.from_env(both).region == "eu-west-1"
    assert Settings.from_env({"AWS_DEFAULT_REGION": "ap-south-1"}).region == "ap-south-1"


@pytest.mark.parametrize("variable", ["LATCHKEY_DYNAMODB_ENDPOINT", "LATCHKEY_PEPPER_PARAMETER"])
def test_an_empty_optional_variable_means_unset(variable: str) -> None:
    loaded = Settings.from_env({variable: ""})
    assert loaded.dynamodb.endpoint is None
    assert loaded.keys.pepper_parameter is None


@pytest.mark.parametrize(
    "variable",
    [
        "LATCHKEY_DEFAULT_KEY_LIMIT",
        "LATCHKEY_EXPIRING_SOON_DAYS",
        "LATCHKEY_USAGE_FLUSH_SECONDS",
        "LATCHKEY_GROUP_CACHE_SECONDS",
        "LATCHKEY_DEFAULT_GROUP_LIMIT",
    ],
)
@pytest.mark.parametrize("value", ["ten", "", "1.5"])
def test_a_number_variable_that_is_not_a_number_is_an_error(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        Settings.from_env({variable: value})


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "True", "yes", "YES", "on", "On"])
def test_simple_responses_is_switched_on_by_a_true_word(value: str) -> None:
    assert Settings.from_env({"LATCHKEY_SIMPLE_RESPONSES": value}).simple_responses is True


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "enabled", " true", "2"])
def test_simple_responses_stays_off_for_anything_else(value: str) -> None:
    assert Settings.from_env({"LATCHKEY_SIMPLE_RESPONSES": value}).simple_responses is False


def test_settings_are_immutable() -> None:
    loaded = Settings.from_env({})
    with pytest.raises(AttributeError):
        loaded.stage = "prod"  # type: ignore[misc]


# --- LATCHKEY_PEPPERS ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "peppers"),
    [
        ("", {}),
        ("1:first", {1: b"first"}),
        ("1:first,2:second", {1: b"first", 2: b"second"}),
        (" 1:first , 2:second ,", {1: b"first", 2: b"second"}),
        (",,3:three,,", {3: b"three"}),
        ("1:with:colons", {1: b"with:colons"}),
        ("10:ten,9:nine", {10: b"ten", 9: b"nine"}),
        ("0:zero", {0: b"zero"}),
        ("1:ünïcode", {1: "ünïcode".encode()}),
    ],
)
def test_peppers_parse_as_version_value_pairs(text: str, peppers: dict[int, bytes]) -> None:
    assert parse_peppers(text) == peppers


@pytest.mark.parametrize(
    "text",
    [
        "SECRET-PEPPER",
        "1",
        "1:",
        ":SECRET-PEPPER",
        "one:SECRET-PEPPER",
        "-1:SECRET-PEPPER",
        "1.5:SECRET-PEPPER",
        " :SECRET-PEPPER",
        "1:ok,SECRET-PEPPER",
        "1 :SECRET-PEPPER",
    ],
)
def test_a_bad_pepper_entry_is_an_error_that_does_not_echo_it(text: str) -> None:
    with pytest.raises(ValueError, match="VERSION:VALUE") as raised:
        parse_peppers(text)
    assert "SECRET-PEPPER" not in str(raised.value)


def test_bad_peppers_in_the_environment_are_an_error() -> None:
    with pytest.raises(ValueError, match="VERSION:VALUE"):
        Settings.from_env({"LATCHKEY_PEPPERS": "nope"})


def test_role_mapping_refuses_an_entry_without_a_permission() -> None:
    with pytest.raises(ValueError, match="ROLE=PERMISSION"):
        Settings.from_env({"LATCHKEY_OIDC_ROLES": "Key admins"})


# --- usage totals and hot keys -------------------------------------------------


def test_the_key_cache_and_total_shards_have_safe_defaults() -> None:
    loaded = Settings.from_env({})
    assert (loaded.scale.key_cache_seconds, loaded.scale.key_cache_entries) == (5.0, 5000)
    assert (loaded.scale.group_cache_entries, loaded.scale.usage_total_shards) == (1000, 20)
    assert Settings.from_env({"LATCHKEY_KEY_CACHE_SECONDS": "0"}).scale.key_cache_seconds == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LATCHKEY_KEY_CACHE_SECONDS", "-1"),
        ("LATCHKEY_KEY_CACHE_SECONDS", "61"),
        ("LATCHKEY_KEY_CACHE_ENTRIES", "0"),
        ("LATCHKEY_GROUP_CACHE_ENTRIES", "0"),
        ("LATCHKEY_USAGE_TOTAL_SHARDS", "0"),
        ("LATCHKEY_USAGE_TOTAL_SHARDS", "101"),
    ],
)
def test_a_key_cache_or_shard_count_out_of_range_is_refused(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: value})


def test_the_sweep_defaults_to_sixteen_shards_sixteen_workers_and_batches_of_25() -> None:
    loaded = Settings.from_env({})
    assert (loaded.sweep.shards, loaded.sweep.workers, loaded.sweep.batch) == (16, 16, 25)


@pytest.mark.parametrize(
    "variable", ["LATCHKEY_SWEEP_SHARDS", "LATCHKEY_SWEEP_WORKERS", "LATCHKEY_SWEEP_BATCH"]
)
def test_a_sweep_count_below_one_is_refused(variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: "0"})
