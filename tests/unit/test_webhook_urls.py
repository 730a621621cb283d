"""SSRF rules: where a webhook may be sent, judged on every address the host resolves to."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from chalicelib.domain.webhook_urls import UrlRefused, check_url, is_public, resolve_target


def resolving(*addresses: str):  # type: ignore[no-untyped-def]
    def resolver(host: str, port: int) -> Sequence[str]:
        return addresses

    return resolver


PUBLIC = resolving("93.184.215.14")


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "127.1.2.3",
        "169.254.169.254",  # instance metadata
        "169.254.0.1",
        "100.64.0.1",  # shared address space
        "0.0.0.0",  # noqa: S104 (an address judged, not bound)
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",  # the IPv6 instance metadata address
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "2002:a9fe:a9fe::",  # 6to4 around 169.254.169.254
        "ff02::1",
        "198.18.0.1",  # benchmarking
        "not an address",
    ],
)
def test_internal_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_unicast_addresses_are_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::1", "::ffff:10.0.0.1"]
)
def test_a_host_resolving_to_an_internal_address_is_refused(address: str) -> None:
    with pytest.raises(UrlRefused, match="not allowed") as refused:
        resolve_target("https://hooks.example.com/in", False, resolving(address))
    assert "internal" in refused.value.reason


def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(UrlRefused):
        resolve_target("https://hooks.example.com/", False, resolving("8.8.8.8", "10.0.0.1"))


def test_a_host_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UrlRefused) as refused:
        resolve_target("https://nowhere.example/", False, resolving())
    assert refused.value.reason == "its host does not resolve"


def test_a_public_https_url_gives_the_checked_address_to_connect_to() -> None:
    target = resolve_target("https://hooks.example.com:8443/in?x=1", False, PUBLIC)
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "hooks.example.com",
        8443,
        "/in?x=1",
        "93.184.215.14",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/in",  # not https
        "ftp://hooks.example.com/in",
        "https://user:pass@hooks.example.com/in",
        "https://token@hooks.example.com/in",
        "https:///no-host",
        "https://hooks.example.com/in#fragment",
        "https://hooks.example.com:99999/",
        "hooks.example.com/in",
        "https://hooks.example.com/" + "a" * 2048,
    ],
)
def test_urls_of_the_wrong_shape_are_refused(url: str) -> None:
    with pytest.raises(UrlRefused):
        resolve_target(url, False, PUBLIC)


def test_loopback_http_is_refused_unless_the_local_stage_allows_it() -> None:
    loopback = resolving("127.0.0.1")
    with pytest.raises(UrlRefused):
        resolve_target("http://127.0.0.1:9000/hook", False, loopback)
    target = resolve_target("http://127.0.0.1:9000/hook", True, loopback)
    assert (target.scheme, target.address, target.port) == ("http", "127.0.0.1", 9000)


def test_the_local_switch_allows_loopback_only_never_private_addresses() -> None:
    with pytest.raises(UrlRefused):
        resolve_target("http://10.0.0.5/hook", True, resolving("10.0.0.5"))
    with pytest.raises(UrlRefused):
        resolve_target("https://metadata.example/", True, resolving("169.254.169.254"))
    # http to a public address stays refused too: http is for loopback only.
    with pytest.raises(UrlRefused):
        resolve_target("http://hooks.example.com/", True, PUBLIC)


def test_numeric_encodings_of_loopback_are_judged_as_what_they_resolve_to() -> None:
    # The system resolver turns 0x7f.1 and 2130706433 into 127.0.0.1; the rule sees that.
    with pytest.raises(UrlRefused):
        resolve_target("https://2130706433/", False, resolving("127.0.0.1"))


def test_check_url_reads_default_ports() -> None:
    assert check_url("https://a.example", False) == ("https", "a.example", 443, "/")
    assert check_url("http://localhost/x", True)[2] == 80
