"""IP allowlists: entries are parsed once, canonical, and checked against the source address."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.allowlist import (
    MAX_ENTRIES,
    AllowlistError,
    allows,
    normalize,
    split_entries,
)
from tests.support.examples import PURE

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


# --- split_entries ---------------------------------------------------------------------


def test_split_accepts_a_list_and_drops_blank_entries() -> None:
    assert split_entries(["10.0.0.1", "", "  ", " 10.0.0.2 "]) == ["10.0.0.1", "10.0.0.2"]


def test_split_accepts_one_newline_separated_string() -> None:
    text = "10.0.0.1\n\n  2001:db8::/32  \r\n\t\n192.0.2.0/24\n"
    assert split_entries(text) == ["10.0.0.1", "2001:db8::/32", "192.0.2.0/24"]


def test_split_of_an_empty_or_blank_string_is_empty() -> None:
    assert split_entries("") == []
    assert split_entries(" \n \n") == []


def test_split_accepts_any_iterable() -> None:
    assert split_entries(entry for entry in ("a", " b")) == ["a", "b"]


# --- normalize -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "canonical"),
    [
        ("10.0.0.1", "10.0.0.1"),
        ("10.0.0.1/32", "10.0.0.1"),
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.0.0.0/255.0.0.0", "10.0.0.0/8"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8::1/128", "2001:db8::1"),
        ("2001:DB8::/32", "2001:db8::/32"),
        ("::/0", "::/0"),
    ],
)
def test_entries_are_returned_in_canonical_form(entry: str, canonical: str) -> None:
    assert normalize([entry]) == (canonical,)


def test_duplicates_are_removed_keeping_the_first_position() -> None:
    entries = ["10.0.0.1", "2001:db8::/32", "10.0.0.1/32", "2001:DB8::/32", "192.0.2.1"]
    assert normalize(entries) == ("10.0.0.1", "2001:db8::/32", "192.0.2.1")


def test_an_empty_allowlist_stays_empty() -> None:
    assert normalize([]) == ()


@pytest.mark.parametrize(("entry", "index"), [("10.0.0.5/8", 0), ("2001:db8::1/32", 1)])
def test_a_range_with_host_bits_set_is_refused_not_widened(entry: str, index: int) -> None:
    entries = ["192.0.2.1", entry] if index else [entry]
    with pytest.raises(AllowlistError) as raised:
        normalize(entries)
    assert raised.value.index == index


@pytest.mark.parametrize(
    "junk",
    [
        "example.com",
        "10.0.0",
        "10.0.0.256",
        "010.0.0.1",
        "10.0.0.0/33",
        "2001:db8::/129",
        "10.0.0.0/-1",
        "10.0.0.0/",
        "10.0.0.1-10.0.0.9",
        "*",
        " 10.0.0.1",
        "2001:db8:::1",
        "",
    ],
)
def test_junk_is_refused_with_its_index(junk: str) -> None:
    with pytest.raises(AllowlistError) as raised:
        normalize(["10.0.0.1", "10.0.0.2", junk])
    assert raised.value.index == 2
    assert isinstance(raised.value, ValueError)


def test_up_to_the_maximum_number_of_entries_is_accepted() -> None:
    entries = [f"10.0.{i // 256}.{i % 256}" for i in range(MAX_ENTRIES)]
    assert len(normalize(entries)) == MAX_ENTRIES == 100


def test_more_than_the_maximum_number_of_entries_is_refused() -> None:
    entries = [f"10.0.{i // 256}.{i % 256}" for i in range(MAX_ENTRIES + 1)]
    with pytest.raises(AllowlistError, match="at most 100"):
        normalize(entries)


def test_duplicates_do_not_count_towards_the_maximum() -> None:
    entries = [f"10.0.0.{i}" for i in range(MAX_ENTRIES)] * 2
    assert len(normalize(entries)) == MAX_ENTRIES


# --- allows ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", [None, "", "10.0.0.1", "2001:db8::1", "not an address"])
def test_an_empty_allowlist_allows_any_source(source: str | None) -> None:
    assert allows((), source) is True


@pytest.mark.parametrize("source", [None, "", "garbage", "10.0.0.1 ", "10.0.0.1/32", "::ffff:"])
def test_a_non_empty_allowlist_refuses_an_unknown_or_unparseable_source(
    source: str | None,
) -> None:
    assert allows(("0.0.0.0/0", "::/0"), source) is False


def test_a_single_address_allows_only_itself() -> None:
    assert allows(("192.0.2.7",), "192.0.2.7") is True
    assert allows(("192.0.2.7",), "192.0.2.8") is False


def test_a_range_allows_its_first_and_last_address_and_nothing_outside() -> None:
    entries = ("192.0.2.0/24",)
    assert allows(entries, "192.0.2.0") is True
    assert allows(entries, "192.0.2.255") is True
    assert allows(entries, "192.0.1.255") is False
    assert allows(entries, "192.0.3.0") is False


def test_any_entry_of_several_may_allow() -> None:
    entries = ("10.0.0.0/8", "192.0.2.1", "2001:db8::/32")
    assert allows(entries, "10.200.3.4") is True
    assert allows(entries, "192.0.2.1") is True
    assert allows(entries, "2001:db8:ffff::1") is True
    assert allows(entries, "172.16.0.1") is False


def test_ipv6_ranges_are_matched() -> None:
    entries = ("2001:db8:abcd::/48",)
    assert allows(entries, "2001:db8:abcd::1") is True
    assert allows(entries, "2001:DB8:ABCD:FFFF:FFFF:FFFF:FFFF:FFFF") is True
    assert allows(entries, "2001:db8:abce::") is False


def test_ipv4_mapped_ipv6_source_matches_an_ipv4_range() -> None:
    assert allows(("192.0.2.0/24",), "::ffff:192.0.2.1") is True
    assert allows(("192.0.2.0/24",), "::ffff:198.51.100.1") is False


def test_an_ipv4_entry_never_matches_an_unmapped_ipv6_source() -> None:
    # 0.0.0.0/0 is "every IPv4 address", not "every address".
    assert allows(("0.0.0.0/0",), "2001:db8::1") is False
    assert allows(("::/0",), "192.0.2.1") is False


def test_ipv4_compatible_ipv6_source_is_not_treated_as_ipv4() -> None:
    # ::192.0.2.1 (deprecated "compatible" form) is not the mapped form.
    assert allows(("192.0.2.0/24",), "::192.0.2.1") is False


# --- properties against the ipaddress oracle -------------------------------------------


@st.composite
def networks(draw: st.DrawFn) -> Network:
    address = draw(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
    prefix = draw(st.integers(min_value=0, max_value=address.max_prefixlen))
    return ipaddress.ip_network((address, prefix), strict=False)


def sources(network: Network) -> st.SearchStrategy[Address]:
    inside: st.SearchStrategy[Address] = st.ip_addresses(network=network)
    mapped = st.ip_addresses(v=4).map(lambda a: ipaddress.IPv6Address(f"::ffff:{a}"))
    mapped_inside = (
        st.ip_addresses(network=network).map(lambda a: ipaddress.IPv6Address(f"::ffff:{a}"))
        if network.version == 4
        else mapped
    )
    return st.one_of(inside, st.ip_addresses(v=4), st.ip_addresses(v=6), mapped, mapped_inside)


def oracle_allows(network: Network, address: Address) -> bool:
    if address.version == network.version:
        return address in network
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped in network
    return False


@PURE
@given(data=st.data())
def test_allows_agrees_with_the_ipaddress_oracle(data: st.DataObject) -> None:
    network = data.draw(networks(), label="network")
    address = data.draw(sources(network), label="address")
    assert allows((str(network),), str(address)) is oracle_allows(network, address)


@PURE
@given(data=st.data())
def test_allows_agrees_with_the_oracle_after_normalizing(data: st.DataObject) -> None:
    entries = data.draw(st.lists(networks(), min_size=1, max_size=5), label="networks")
    address = data.draw(sources(entries[0]), label="address")
    expected = any(oracle_allows(network, address) for network in entries)
    assert allows(normalize(str(network) for network in entries), str(address)) is expected


@PURE
@given(entries=st.lists(networks(), max_size=10))
def test_normalize_is_idempotent(entries: list[Network]) -> None:
    once = normalize(str(network) for network in entries)
    assert normalize(once) == once
    assert len(set(once)) == len(once)


@PURE
@given(
    address=st.ip_addresses(),
    prefix=st.integers(min_value=0, max_value=128),
)
def test_normalize_refuses_exactly_the_ranges_with_host_bits(address: Address, prefix: int) -> None:
    prefix = min(prefix, address.max_prefixlen)
    network = ipaddress.ip_network((address, prefix), strict=False)
    entry = f"{address}/{prefix}"
    if network.network_address == address:
        assert len(normalize([entry])) == 1
    else:
        with pytest.raises(AllowlistError):
            normalize([entry])


@pytest.mark.parametrize("entry", ["fe80::1%eth0", "fe80::%1/64", "fe80::1%25eth0", "::1%lo"])
def test_a_scoped_ipv6_entry_is_refused(entry: str) -> None:
    with pytest.raises(AllowlistError):
        normalize([entry])


def test_a_scoped_source_address_or_stored_entry_matches_nothing() -> None:
    # Python's ipaddress treats fe80::1%eth0 as inside fe80::/64: neither side may be scoped.
    assert not allows(("fe80::/64",), "fe80::1%eth0")
    assert not allows(("fe80::1%eth0",), "fe80::1")
    assert allows(("fe80::/64",), "fe80::1")
