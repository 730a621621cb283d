"""A secret appears once: in the response that issued it. Not in a table, log or other answer."""

from __future__ import annotations

import json
import logging
import re

import pytest

from chalicelib.wiring.services import Services
from tests.conftest import Counters
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.test_counters import check_cli, put_counter_only_group, set_counter
from tests.support.api import Api, Tenant
from tests.support.outbox import Outbox
from tests.support.secrets import found_in, logged


def test_secrets_appear_only_in_the_response_that_issued_them(
    api: Api,
    acme: Tenant,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    reliability: Counters,
) -> None:
    caplog.set_level(logging.DEBUG)
    issued = [acme.token]
    created = create_key(api, acme.group_id, name="Lifecycle")
    issued.append(created["secret"])
    key_id = created["key"]["id"]
    other_responses = []
    rotated = api.call("POST", f"/v1/keys/{key_id}/rotate", {"grace_period_seconds": 60})
    issued.append(json_of(rotated)["secret"])
    for method, path, body in [
        ("GET", "/v1/keys", None),
        ("GET", f"/v1/keys/{key_id}", None),
        ("GET", "/v1/me", None),  # the console's first call
        # Key lists and groups over their own indexes.
        ("GET", "/v1/keys?expiry=valid&leaked=false&status=active", None),
        ("GET", "/v1/groups?limit=1", None),
        ("PATCH", f"/v1/keys/{key_id}", {"name": "Renamed"}),
        ("PATCH", f"/v1/keys/{key_id}", {"expires_at": "2030-01-01T00:00:00Z"}),
        ("POST", "/v1/keys", {"name": "x", "group_id": issued[1]}),  # must not be echoed
        ("POST", f"/v1/keys/{key_id}/revoke", None),
        ("POST", f"/v1/keys/{key_id}/rotate", None),
    ]:
        other_responses.append(api.call(method, path, body).body.decode())
    other_responses.append(api.as_key(issued[1]).call("GET", "/v1/keys").body.decode())
    verified = api.call("POST", "/v1/verify", {"key": issued[2]})
    other_responses.append(verified.body.decode())

    stored = json.dumps(table_snapshot(services))
    logs = logged(caplog)
    # The JSON log lines and EMF metrics on stdout: requests and decisions.
    printed = capsys.readouterr().out
    lines = [json.loads(line) for line in printed.splitlines() if line.startswith("{")]
    assert any(str(line.get("message")).endswith("request") for line in lines)
    assert any(line.get("message") == "decision" for line in lines)
    hashes = re.findall(r"\"secret_hash\": \{\"S\": \"([^\"]+)\"", stored)
    assert hashes
    # (botocore logs response bodies at DEBUG, so only our own lines are held to it.)
    assert not [h for h in hashes if h in printed]
    places = [("tables", stored), ("logs", logs), ("stdout", printed)] + [
        (f"response {index}", body) for index, body in enumerate(other_responses)
    ]
    leaks = found_in(issued, places)
    reliability.secret_hits += len(leaks)
    assert leaks == []


def test_no_secret_in_idempotency_records_replays_counter_checks_or_their_logs(
    api: Api,
    acme: Tenant,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    reliability: Counters,
) -> None:
    caplog.set_level(logging.DEBUG)
    once = {"Idempotency-Key": "once"}
    body = {"name": "Idempotent", "group_id": acme.group_id}
    created = json_of(api.call("POST", "/v1/keys", body, headers=once))
    key_id = created["key"]["id"]
    rotated = json_of(api.call("POST", f"/v1/keys/{key_id}/rotate", {}, headers=once))
    issued = [acme.token, created["secret"], rotated["secret"]]
    replays = [
        api.call("POST", "/v1/keys", body, headers=once).body.decode(),
        api.call("POST", f"/v1/keys/{key_id}/rotate", {}, headers=once).body.decode(),
    ]
    # Drift, an item that is no group, and the operator's check and repair of both.
    set_counter(services, "acme", acme.group_id, 9)
    put_counter_only_group(services, "acme", "grp_counteronly0001")
    replays.append(api.call("GET", "/v1/keys").body.decode())
    check_cli(services, "acme", "--repair")
    check_cli(services, "--all", "--json")
    printed = capsys.readouterr().out

    stored = json.dumps(table_snapshot(services))
    logs = logged(caplog)
    places = [("tables", stored), ("logs", logs), ("check output", printed)] + [
        (f"response {index}", text) for index, text in enumerate(replays)
    ]
    leaks = found_in(issued, places)
    reliability.secret_hits += len(leaks)
    assert leaks == []


# Leaked keys: the fixtures of tests/functional/leaks/, imported so pytest finds them here.
from tests.functional.leaks.conftest import (  # noqa: E402
    Scanner,
    github,  # noqa: F401
    leak_services,  # noqa: F401
    notify_policy,
    outbox,  # noqa: F401
    scanner,  # noqa: F401
)


def test_reported_tokens_appear_in_no_table_log_event_or_answer(
    api: Api,
    acme: Tenant,
    services: Services,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    reliability: Counters,
) -> None:
    reporter: Scanner = request.getfixturevalue("scanner")
    sent: Outbox = request.getfixturevalue("outbox")
    caplog.set_level(logging.DEBUG)
    notify_policy(api)  # the keys stay active, so every later report reaches the store
    reported = [create_key(api, acme.group_id, name=f"Leak {n}")["secret"] for n in range(3)]
    github_answer = reporter.github_report(reported[0], reported[0][:-1] + "0", "lk_test_x")
    answers = [
        github_answer.body.decode(),
        reporter.public_report(
            reported[1], url=f"https://paste.test/?k={reported[1]}"
        ).body.decode(),
        reporter.public_report(reported[2], url=reported[2]).body.decode(),
        api.call("GET", "/v1/keys?leaked=true").body.decode(),
        api.call("GET", "/v1/audit-events?action=key.leaked").body.decode(),
    ]
    announced = json.dumps([sent.events(), sent.digests()])

    stored = json.dumps(table_snapshot(services))
    logs = logged(caplog)
    places = [("tables", stored), ("logs", logs), ("events and messages", announced)] + [
        (f"answer {index}", body) for index, body in enumerate(answers)
    ]
    leaks = found_in(reported, places, whole=True, label="reported token")
    reliability.secret_hits += len(leaks)
    assert leaks == []
    assert len(json.loads(answers[3])["keys"]) == 3  # the reports did reach the keys
