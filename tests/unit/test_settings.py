"""The one settings object: every ``LATCHKEY_*`` variable, read from a mapping we pass in."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields

import pytest

from chalicelib.config import access_tokens as settings_tokens
from chalicelib.config import console as settings_console
from chalicelib.config import formats as settings_formats
from chalicelib.config import platform as settings_platform
from chalicelib.config import scale as settings_scale
from chalicelib.config import settings as settings_module
from chalicelib.config import sweep as settings_sweep
from chalicelib.config.formats import parse_peppers
from chalicelib.config.settings import DEFAULT_KEY_PREFIX, Settings

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
    "LATCHKEY_ROLE": "authorizer",
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
    # Access tokens (issue 15).
    "LATCHKEY_TOKEN_ISSUER": "https://auth.example/api/",
    "LATCHKEY_TOKEN_AUDIENCE": "orders-api",
    "LATCHKEY_TOKEN_LIFETIME_SECONDS": "900",
    "LATCHKEY_TOKEN_SIGNING_KEY": "arn:aws:kms:eu-west-1:123456789012:key/one",
    "LATCHKEY_TOKEN_NEXT_KEY": "arn:aws:kms:eu-west-1:123456789012:key/two",
    "LATCHKEY_TOKEN_LOCAL_KEY": ".local/token-signing-key.pem",
    # The console (issue 14).
    "LATCHKEY_CONSOLE_CLIENT_ID": "console-client",
    "LATCHKEY_CONSOLE_CONNECT_ORIGINS": "https://auth.example.com https://login.example.com",
    "LATCHKEY_CONSOLE_FRAME_ANCESTORS": "'self' https://app.vendor.example",
    "LATCHKEY_CONSOLE_PRODUCT_NAME": "Acme API keys",
    "LATCHKEY_CONSOLE_LOGO_URL": "/static/acme.svg",
    "LATCHKEY_CONSOLE_ACCENT": "#0F766E",
    "LATCHKEY_DEFAULT_GROUP_LIMIT": "75",
    # Usage totals and hot keys (issue 13).
    "LATCHKEY_KEY_CACHE_SECONDS": "2.5",
    "LATCHKEY_KEY_CACHE_ENTRIES": "200",
    "LATCHKEY_GROUP_CACHE_ENTRIES": "50",
    "LATCHKEY_USAGE_TOTAL_SHARDS": "30",
    # The expiry sweep at scale (issue 13).
    "LATCHKEY_SWEEP_SHARDS": "32",
    "LATCHKEY_SWEEP_WORKERS": "8",
    "LATCHKEY_SWEEP_BATCH": "10",
    "LATCHKEY_PLATFORM_KEYS_TABLE": "prod-platform-keys",
    "LATCHKEY_PLATFORM_ROLE": "latchkey-platform-admin",
    "LATCHKEY_PLATFORM_READ_ROLE": "latchkey-platform-viewer",
    "LATCHKEY_PLATFORM_ROLE_CLAIM": "roles",
}


def test_every_variable_is_read_into_its_field() -> None:
    assert Settings.from_env(EVERY_VARIABLE) == Settings(
        stage="prod",
        key_prefix="acme_live",
        keys_table="prod-keys",
        groups_table="prod-groups",
        tenants_table="prod-tenants",
        region="eu-west-1",
        dynamodb_endpoint="http://localhost:8000",
        local_peppers={1: b"first", 2: b"second"},
        pepper_parameter="/latchkey/prod/pepper",
        default_key_limit=250,
        expiring_soon_days=30,
        usage_table="prod-usage",
        usage_flush_seconds=120,
        group_cache_seconds=5,
        simple_responses=True,
        role="authorizer",
        idempotency_table="prod-idempotency",
        audit_table="prod-audit",
        audit_retention_days=90,
        expiry_thresholds_days=(14, 3, 0),
        event_bus="latchkey-prod",
        expiry_topic_arn="arn:aws:sns:eu-west-1:123456789012:expiry",
        sweep_schedule="rate(15 minutes)",
        oidc_issuer="https://issuer.example/pool",
        oidc_audience="console",
        oidc_jwks_url="https://issuer.example/keys",
        oidc_tenant_claim="tenant",
        oidc_roles_claim="roles",
        oidc_roles={"Key admins": "keys:manage", "Auditors": "keys:read"},
        dynamodb_connect_timeout_seconds=3,
        dynamodb_max_retries=0,
        token_issuer="https://auth.example/api",  # no trailing slash: URLs are built on it
        token_audience="orders-api",
        token_lifetime_seconds=900,
        token_signing_key="arn:aws:kms:eu-west-1:123456789012:key/one",
        token_next_key="arn:aws:kms:eu-west-1:123456789012:key/two",
        token_local_key=".local/token-signing-key.pem",
        console_client_id="console-client",
        console_connect_origins=("https://auth.example.com", "https://login.example.com"),
        console_frame_ancestors="'self' https://app.vendor.example",
        console_product_name="Acme API keys",
        console_logo_url="/static/acme.svg",
        console_accent="#0f766e",
        default_group_limit=75,
        github_keys_url="file:///etc/latchkey/github-keys.json",
        leak_topic_arn="arn:aws:sns:eu-west-1:123456789012:leaks",
        key_cache_seconds=2.5,
        key_cache_entries=200,
        group_cache_entries=50,
        usage_total_shards=30,
        sweep_shards=32,
        sweep_workers=8,
        sweep_batch=10,
        platform_keys_table="prod-platform-keys",
        platform_role="latchkey-platform-admin",
        platform_read_role="latchkey-platform-viewer",
        platform_role_claim="roles",
    )


@pytest.mark.parametrize("lifetime", ["0", "3601", "-5"])
def test_a_token_lifetime_outside_one_second_to_an_hour_is_refused(lifetime: str) -> None:
    with pytest.raises(ValueError, match="LATCHKEY_TOKEN_LIFETIME_SECONDS"):
        Settings.from_env({"LATCHKEY_TOKEN_LIFETIME_SECONDS": lifetime})


def test_the_token_audience_defaults_to_the_issuer() -> None:
    settings = Settings.from_env({"LATCHKEY_TOKEN_ISSUER": "https://auth.example"})
    assert settings.token_audience_or_issuer == "https://auth.example"
    assert not settings.tokens_enabled  # no signing key yet


def test_every_field_can_be_changed_from_the_environment() -> None:
    configured, default = Settings.from_env(EVERY_VARIABLE), Settings()
    unchanged = [
        field.name
        for field in fields(Settings)
        if getattr(configured, field.name) == getattr(default, field.name)
    ]
    assert unchanged == []


def test_this_suite_covers_every_variable_the_module_reads() -> None:
    # A variable added to chalicelib/config/ without a test here fails this test.
    source = "".join(
        inspect.getsource(module)
        for module in (
            settings_module,
            settings_console,
            settings_formats,
            settings_tokens,
            settings_scale,
            settings_sweep,
            settings_platform,
        )
    )
    read = set(re.findall(r'"(LATCHKEY_[A-Z_]+)"', source))
    assert read == {name for name in EVERY_VARIABLE if name.startswith("LATCHKEY_")}


def test_unset_variables_keep_their_defaults() -> None:
    loaded = Settings.from_env({})
    assert loaded == Settings()
    assert loaded.stage == "local"
    assert loaded.key_prefix == DEFAULT_KEY_PREFIX == "lk_live"
    assert (loaded.keys_table, loaded.groups_table, loaded.tenants_table) == (
        "latchkey-keys",
        "latchkey-groups",
        "latchkey-tenants",
    )
    assert loaded.region == "us-east-1"
    assert loaded.dynamodb_endpoint is None
    assert loaded.local_peppers == {}
    assert loaded.pepper_parameter is None
    assert loaded.default_key_limit == 10
    assert loaded.expiring_soon_days == 7
    assert loaded.usage_table == "latchkey-usage"
    assert loaded.usage_flush_seconds == 60
    assert loaded.group_cache_seconds == 30
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
    assert loaded.dynamodb_endpoint is None
    assert loaded.pepper_parameter is None


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


# --- usage totals and hot keys (issue 13) -------------------------------------------------


def test_the_key_cache_and_total_shards_have_safe_defaults() -> None:
    loaded = Settings.from_env({})
    assert (loaded.key_cache_seconds, loaded.key_cache_entries) == (5.0, 5000)
    assert (loaded.group_cache_entries, loaded.usage_total_shards) == (1000, 20)
    assert Settings.from_env({"LATCHKEY_KEY_CACHE_SECONDS": "0"}).key_cache_seconds == 0


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
    assert (loaded.sweep_shards, loaded.sweep_workers, loaded.sweep_batch) == (16, 16, 25)


@pytest.mark.parametrize(
    "variable", ["LATCHKEY_SWEEP_SHARDS", "LATCHKEY_SWEEP_WORKERS", "LATCHKEY_SWEEP_BATCH"]
)
def test_a_sweep_count_below_one_is_refused(variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        Settings.from_env({variable: "0"})
