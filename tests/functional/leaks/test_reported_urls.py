"""What is kept of a reported URL: its scheme and host name, never any part of the secret.

Every form a key can take in a URL is reported, over HTTP, on both report endpoints; then
every table, every announced event and message, every log line and every key answer is
searched for the token and its secret part, in every case and with anything but letters
and digits taken out (so a percent-, plus- or dot-separated copy is found too).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus, unquote_plus

import pytest

from chalicelib.domain import audit
from chalicelib.domain.leaks import SCANNER
from chalicelib.domain.records import Leak, LeakMark, Origin
from chalicelib.storage.leaks import LeakStore
from chalicelib.wiring.services import Services
from tests.functional.conftest import create_key, json_of, table_snapshot
from tests.functional.leaks.conftest import Scanner, notify_policy
from tests.support.api import Api, Tenant
from tests.support.clock import FakeClock
from tests.support.outbox import Outbox
from tests.support.secrets import secret_part

HOST = "https://paste.test"
# Each form: how a URL carries the token ``t`` (whose secret part is ``s``), and what is kept.
Form = Callable[[str, str], str]
FORMS: dict[str, tuple[Form, str | None]] = {
    "full key in the path": (lambda t, s: f"{HOST}/raw/{t}", HOST),
    "bare secret part": (lambda t, s: f"{HOST}/raw/{s}", HOST),
    "secret without its checksum": (lambda t, s: f"{HOST}/x?secret={s[:43]}", HOST),
    "percent-encoded underscores": (lambda t, s: f"{HOST}/?k={t.replace('_', '%5F')}", HOST),
    "every character percent-encoded": (
        lambda t, s: f"{HOST}/?k={''.join(f'%{ord(c):02X}' for c in t)}",
        HOST,
    ),
    "plus-encoded": (lambda t, s: f"{HOST}/?q={quote_plus('key is ' + t)}", HOST),
    "secret split by plus signs": (lambda t, s: f"{HOST}/?q={s[:20]}+{s[20:]}", HOST),
    "upper case": (lambda t, s: f"{HOST}/{s.upper()}", HOST),
    "lower case": (lambda t, s: f"{HOST}/{s.lower()}", HOST),
    "swapped case": (lambda t, s: f"{HOST}/{t.swapcase()}", HOST),
    "key in the query": (lambda t, s: f"{HOST}/api?api_key={t}&x=1", HOST),
    "key in the fragment": (lambda t, s: f"{HOST}/raw#{t}", HOST),
    "key as the user": (lambda t, s: f"https://{t}@paste.test/raw", HOST),
    "secret as the password": (lambda t, s: f"https://user:{s}@paste.test/", HOST),
    "key in base64": (lambda t, s: f"{HOST}/{base64.b64encode(t.encode()).decode()}", HOST),
    "port and upper-case host": (lambda t, s: f"HTTPS://Paste.TEST:8443/{quote(s)}", HOST),
    "secret as a host label": (lambda t, s: f"https://{s}.paste.test/", None),
    "secret split over host labels": (
        lambda t, s: f"https://{s[:7]}.{s[7:30]}.{s[30:]}.paste.test/",
        None,
    ),
    "secret in upper case in the host": (lambda t, s: f"https://{s.upper()}.paste.test/", None),
    "an IP address for a host": (lambda t, s: f"http://192.0.2.7/{s}", None),
    "not a web URL": (lambda t, s: f"ftp://paste.test/{t}", None),
    "percent-encoded host": (lambda t, s: f"https://{quote(s, safe='')}%2Epaste.test/", None),
}


def folded(text: str) -> str:
    """``text`` in one case with only letters and digits: separators and case undone."""
    return "".join(char for char in text.casefold() if char.isalnum())


def holding(text: str, tokens: list[str]) -> list[str]:
    """The tokens whose secret shows in ``text`` in any form searched for: as sent, or
    percent- and plus-decoded (twice), in any case, with separators taken out."""
    decoded = unquote_plus(unquote_plus(text))
    plain, flat = (text + decoded).casefold(), folded(text) + " " + folded(decoded)
    return [
        token
        for token in tokens
        if token.casefold() in plain
        # 12 characters in a row: no chance match in hex digests and ids (36**12).
        or any(
            folded(secret_part(token))[start : start + 12] in flat
            for start in range(len(secret_part(token)) - 11)
        )
    ]


def github_body(reports: list[tuple[str, str]]) -> bytes:
    matches = [{"token": t, "type": "t", "url": url, "source": "content"} for t, url in reports]
    return json.dumps(matches).encode()


def report(scanner: Scanner, endpoint: str, reports: list[tuple[str, str]]) -> None:
    if endpoint == "github":
        body = github_body(reports)
        response = scanner.github_report(body=body)
        assert response.status_code == 200, response.body
        assert {entry["label"] for entry in json_of(response)} == {"true_positive"}
    else:
        for token, url in reports:
            assert scanner.public_report(token, url).status_code == 202


@pytest.mark.parametrize("endpoint", ["public", "github"])
def test_a_reported_url_keeps_its_scheme_and_host_and_no_part_of_the_secret(
    scanner: Scanner,
    api: Api,
    acme: Tenant,
    leak_services: Services,
    outbox: Outbox,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    endpoint: str,
) -> None:
    notify_policy(api)  # the worst case: the reported key keeps working
    leak_services.tenants.set_limit("acme", 100)
    keys = {name: create_key(api, acme.group_id, name=name) for name in FORMS}
    tokens = [created["secret"] for created in keys.values()]
    reports = [
        (created["secret"], FORMS[name][0](created["secret"], created["secret"].split("_")[-1]))
        for name, created in keys.items()
    ]
    capsys.readouterr()

    report(scanner, endpoint, reports)

    kept = {
        name: json_of(api.call("GET", f"/v1/keys/{created['key']['id']}"))["leak"]["url"]
        for name, created in keys.items()
    }
    assert kept == {name: expected for name, (_, expected) in FORMS.items()}
    audit = json_of(api.call("GET", "/v1/audit-events?action=key.leaked&limit=100"))["events"]
    assert len(audit) == len(FORMS)
    events, digests = outbox.events(), outbox.digests()
    assert len(events) == len(FORMS)
    assert {event["detail"]["url"] for event in events} == {HOST, None}
    places = {
        "tables": json.dumps(table_snapshot(leak_services), default=str),
        "audit answers": json.dumps(audit),
        "events": json.dumps(events),
        "SNS messages": json.dumps(digests),
        "logs": "\n".join(record.getMessage() for record in caplog.records),
        "stdout": capsys.readouterr().out,
    }
    assert {where: holding(text, tokens) for where, text in places.items()} == {
        where: [] for where in places
    }


def test_the_search_finds_each_form_it_looks_for(acme: Tenant, api: Api) -> None:
    """The search above can fail: every form of the secret is found by it."""
    token = create_key(api, acme.group_id)["secret"]
    part = token.split("_")[-1]

    found = [holding(form(token, part), [token]) for form, _ in FORMS.values()]

    missed = [name for name, hits in zip(FORMS, found, strict=True) if not hits]
    # base64 hides the secret from any search by characters: it is kept out by dropping
    # everything but the host, which the first test proves.
    assert missed == ["key in base64"]


def test_a_github_source_outside_its_known_shape_is_cut_to_github(
    scanner: Scanner, api: Api, acme: Tenant, leak_services: Services
) -> None:
    created = create_key(api, acme.group_id)
    token = created["secret"]
    body = json.dumps(
        [{"token": token, "type": "t", "url": HOST, "source": f"content {token.split('_')[-1]}"}]
    ).encode()

    assert scanner.github_report(body=body).status_code == 200

    leak = json_of(api.call("GET", f"/v1/keys/{created['key']['id']}"))["leak"]
    assert leak["source"] == "github"
    assert holding(json.dumps(table_snapshot(leak_services), default=str), [token]) == []


def test_a_whole_url_stored_before_is_shown_as_its_scheme_and_host(
    api: Api, acme: Tenant, leak_services: Services, clock: FakeClock
) -> None:
    """Leaks recorded when the whole (token-scrubbed) URL was kept: answers cut it too."""
    created = create_key(api, acme.group_id)
    token, key_id = created["secret"], created["key"]["id"]
    old_url = f"https://paste.test/raw?secret={secret_part(token)}"
    key = leak_services.keys.get("acme", key_id)
    origin = Origin(SCANNER, "192.0.2.1")
    changes = {"leak_url": (None, old_url)}
    event = audit.event("acme", "key.leaked", ("key", key_id), origin, clock.now, changes)
    leak = LeakMark(Leak(clock.now, "report", old_url), "fingerprint", event)
    wiring = leak_services.wiring
    assert LeakStore(wiring.connection, wiring.audit).mark(key, leak)

    shown = json_of(api.call("GET", f"/v1/keys/{key_id}"))["leak"]["url"]
    events = json_of(api.call("GET", f"/v1/audit-events?key_id={key_id}&action=key.leaked"))

    assert shown == "https://paste.test"
    assert events["events"][0]["changes"]["leak_url"] == {
        "before": None,
        "after": "https://paste.test",
    }
    listed = json.dumps(json_of(api.call("GET", "/v1/keys?leaked=true")))
    assert holding(listed + json.dumps(events), [token]) == []
