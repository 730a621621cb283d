"""Hostile bodies never reach a 500, always get a problem document, and change nothing.

Hypothesis sends every write route wrong types, nulls, huge and strange strings (lone
surrogates, NUL, emoji, right-to-left marks), deep nesting, extra fields, random IPs and
CIDR lists, and bytes that are not JSON at all. Whatever it sends: the status is below
500, a refusal is ``application/problem+json`` with a ``code``, and a refused request
leaves every table exactly as it was.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.support.api import Api, Tenant
from tests.support.examples import THROUGH_THE_APP

# One app and one set of tables serve every example: the snapshot makes that safe.
HOSTILE = settings(THROUGH_THE_APP, max_examples=100)
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
strings = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.text(ANY_CHARACTER, min_size=1, max_size=3).map(lambda text: text * 5_000),
    st.sampled_from(["\x00", "\ud800", "\u202e", "🔑" * 200, "", " ", "null", "*", "../"]),
)
addresses = st.one_of(
    st.ip_addresses().map(str),
    st.builds(lambda ip, bits: f"{ip}/{bits}", st.ip_addresses(), st.integers(-5, 200)),
    strings,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    strings,
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)
allowlists = st.one_of(st.lists(addresses, max_size=60), values)


def deep(depth: int) -> str:
    return '{"name": ' + "[" * depth + "]" * depth + "}"


raw_bodies = st.one_of(
    st.binary(max_size=200).map(lambda data: data.decode("latin-1")),
    st.integers(min_value=1, max_value=100_000).map(deep),
    st.integers(min_value=1, max_value=400).map(lambda size: "{" + " " * size * 1024 + "}"),
    st.sampled_from(["", "null", "[]", '"x"', "1e999999", "NaN", '{"a":1,"a":2}']),
)


def fields(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies that name the route's real fields (and some others) with hostile values."""
    named = st.dictionaries(st.sampled_from(names), values, max_size=len(names))
    extra = st.dictionaries(strings, values, max_size=2)
    return st.builds(lambda ours, theirs: {**theirs, **ours}, named, extra)


KEY_FIELDS = ["name", "description", "group_id", "expires_at", "ip_allowlist"]


def bodies(names: list[str], allowlist: bool = False) -> st.SearchStrategy[Any]:
    shaped = fields(names)
    if allowlist:
        shaped = st.builds(lambda body, ips: {**body, "ip_allowlist": ips}, shaped, allowlists)
    return st.one_of(shaped, values, raw_bodies.map(RawBody))


class RawBody(str):
    """A body sent as it is, not JSON-encoded."""


def send(api: Api, method: str, path: str, body: Any) -> Any:
    if method == "GET":
        return api.call(method, path)
    if isinstance(body, RawBody):
        return api.call(method, path, raw=str(body))
    try:
        text = json.dumps(body)  # NaN and Infinity go out as JSON's non-standard names
    except (ValueError, UnicodeEncodeError):
        text = repr(body)
    return api.call(method, path, raw=text)


def check(
    api: Api, services: Services, reliability: Counters, method: str, path: str, body: Any
) -> None:
    before = table_snapshot(services)
    response = send(api, method, path, body)
    reliability.hostile += 1
    reliability.five_xx += response.status_code >= 500
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert response.headers["Content-Type"] == "application/problem+json"
        assert json_of(response)["code"]
        assert table_snapshot(services) == before


def test_hostile_key_creations_are_refused_cleanly(
    api: Api, acme: Tenant, services: Services, reliability: Counters
) -> None:
    @HOSTILE
    @given(body=bodies(KEY_FIELDS, allowlist=True))
    def run(body: Any) -> None:
        check(api, services, reliability, "POST", "/v1/keys", body)

    run()


def test_hostile_key_edits_are_refused_cleanly(
    api: Api, acme: Tenant, services: Services, reliability: Counters
) -> None:
    key_id = create_key(api, acme.group_id)["key"]["id"]

    @HOSTILE
    @given(body=bodies(KEY_FIELDS, allowlist=True))
    def run(body: Any) -> None:
        check(api, services, reliability, "PATCH", f"/v1/keys/{key_id}", body)

    run()


def test_hostile_rotations_are_refused_cleanly(
    api: Api, acme: Tenant, services: Services, reliability: Counters
) -> None:
    key_id = create_key(api, acme.group_id)["key"]["id"]

    @HOSTILE
    @given(body=bodies(["grace_period_seconds", "expires_at"]))
    def run(body: Any) -> None:
        check(api, services, reliability, "POST", f"/v1/keys/{key_id}/rotate", body)

    run()


def test_hostile_group_creations_are_refused_cleanly(
    api: Api, services: Services, reliability: Counters
) -> None:
    @HOSTILE
    @given(body=bodies(["name", "description", "permissions", "routes"]))
    def run(body: Any) -> None:
        check(api, services, reliability, "POST", "/v1/groups", body)

    run()


def test_hostile_verifications_are_refused_cleanly(
    api: Api, acme: Tenant, services: Services, reliability: Counters
) -> None:
    token = create_key(api, acme.group_id)["secret"]
    keys = st.one_of(strings, st.just(token), st.builds(lambda s: token[:-3] + s, strings))

    @HOSTILE
    @given(
        body=st.one_of(
            bodies(["key", "route", "source_ip"]),
            st.fixed_dictionaries({"key": keys, "route": strings, "source_ip": addresses}),
        )
    )
    def run(body: Any) -> None:
        check(api, services, reliability, "POST", "/v1/verify", body)

    run()


def test_hostile_paths_and_query_strings_are_refused_cleanly(
    api: Api, services: Services, reliability: Counters
) -> None:
    text = st.text(st.characters(codec="utf-8"), max_size=300)
    paths = st.one_of(
        st.builds(lambda key_id: f"/v1/keys/{quote(key_id, safe='')}", text),
        st.builds(
            lambda limit, cursor: f"/v1/keys?limit={quote(limit)}&cursor={quote(cursor)}",
            text,
            text,
        ),
        st.builds(lambda status: f"/v1/keys?status={quote(status, safe='')}", text),
    )

    @HOSTILE
    @given(path=paths)
    def run(path: str) -> None:
        check(api, services, reliability, "GET", path, None)

    run()


# Leaked keys: the fixtures of tests/functional/leaks/, imported so pytest finds them here.
from tests.functional.leaks.conftest import github, leak_services  # noqa: E402, F401


def test_hostile_leak_reports_are_refused_cleanly(
    api: Api, acme: Tenant, services: Services, reliability: Counters
) -> None:
    token = create_key(api, acme.group_id)["secret"]
    near = st.builds(lambda tail: token[:-3] + tail, strings.filter(lambda t: t != token[-3:]))

    @HOSTILE
    @given(
        body=st.one_of(
            bodies(["token", "url"]),
            st.fixed_dictionaries({"token": st.one_of(strings, near), "url": strings}),
        )
    )
    def run(body: Any) -> None:
        check(api.as_key(None), services, reliability, "POST", "/v1/leaks", body)

    run()
    assert services.keys.list("acme", None, None, 100, None, leaked=True)[0] == []


def test_hostile_tenant_settings_are_refused_cleanly(
    api: Api, services: Services, reliability: Counters
) -> None:
    @HOSTILE
    @given(body=bodies(["leak_policy"]).filter(lambda b: b != {"leak_policy": "notify"}))
    def run(body: Any) -> None:
        check(api, services, reliability, "PATCH", "/v1/tenant/settings", body)

    run()


def test_hostile_signed_github_batches_are_refused_cleanly(
    api: Api, acme: Tenant, reliability: Counters, request: pytest.FixtureRequest
) -> None:
    """Bodies GitHub would never send, signed as if it had: never a 5xx, nothing changed."""
    scanner = request.getfixturevalue("github")
    built: Services = request.getfixturevalue("leak_services")
    batches = st.one_of(
        raw_bodies.map(RawBody),
        values,
        st.lists(fields(["token", "type", "url", "source"]), max_size=5),
    )

    @HOSTILE
    @given(body=batches)
    def run(body: Any) -> None:
        text = str(body) if isinstance(body, RawBody) else json.dumps(body)
        raw = text.encode("utf-8", "surrogatepass")
        before = table_snapshot(built)
        response = api.client.http.request(
            "POST", "/v1/secret-scanning/github", headers=scanner.sign(raw), body=raw
        )
        reliability.hostile += 1
        reliability.five_xx += response.status_code >= 500
        assert response.status_code < 500, response.body
        if response.status_code >= 400:
            assert json_of(response)["code"]
        assert table_snapshot(built) == before  # no live token in these batches

    run()
