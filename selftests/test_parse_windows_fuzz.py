"""Property tests: whatever text or data reaches the Windows parsers and facts, they
return or raise ParseError, never anything else; well-formed input round-trips."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selftests.mutations import mutated

from mpdiag.errors import ParseError
from mpdiag.host.rules import windows as facts
from mpdiag.parse import bcdedit, hosts_ics, netsh, powershell, powershell_text
from mpdiag.parse.text import decode

DATA = Path(__file__).parent / "data"
SAMPLES = [p.read_text(encoding="utf-8")
           for p in sorted((DATA / "corpus" / "windows").glob("*.txt"))
           + sorted((DATA / "windows").glob("*.txt"))
           + sorted((DATA / "windows").glob("*.json"))]

PARSERS: list[Callable[[str], Any]] = [
    powershell.parse_json_objects,
    powershell_text.parse_format_list,
    powershell_text.parse_format_table,
    powershell_text.split_prompt_sections,
    powershell_text.parse_ps_hashtables,
    hosts_ics.parse_hosts_ics,
    netsh.parse_excluded_port_ranges,
    netsh.parse_portproxy,
    bcdedit.parse_bcdedit,
    bcdedit.is_access_denied,
]

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text built from the characters these formats are made of, plus anything.
_alphabet = st.sampled_from(list(" \t\n-*:#.{}[]@=;,\"\\/0123456789abcPSIDx>")) | st.characters()
texts = st.text(alphabet=_alphabet, max_size=400)


def _all_parsers_survive(text: str) -> None:
    for parser in PARSERS:
        try:
            parser(text)
        except ParseError:
            pass


@FUZZ
@given(texts)
def test_random_text(text: str) -> None:
    _all_parsers_survive(text)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_through_decode(data: bytes) -> None:
    try:
        text = decode(data)
    except ParseError:
        return
    _all_parsers_survive(text)


def mutated_samples() -> st.SearchStrategy[str]:
    return mutated(SAMPLES, texts)


@FUZZ
@given(mutated_samples())
def test_mutated_corpus(text: str) -> None:
    _all_parsers_survive(text)


@FUZZ
@given(mutated_samples(), st.sampled_from(["utf-16-le", "utf-8-sig", "cp437", "cp850", "utf-16"]))
def test_mutated_corpus_reencoded(text: str, encoding: str) -> None:
    data = text.replace("\n", "\r\n").encode(encoding, "replace")
    try:
        decoded = decode(data)
    except ParseError:
        return
    _all_parsers_survive(decoded)


# ------------------------------------------------------------ facts over any JSON

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["C08CB7B8-9B3C-408E-8E30-5E16A3AEB444", "172.22.160.0/20", "172.22.160.1",
                       "IPv4", "fe80::1", "@{AddressPrefix=10.0.0.0/8; GatewayAddress=x}", "Default Switch"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["Id", "ID", "Name", "Subnets", "AddressPrefix", "GatewayAddress", "IPAddress",
                         "PrefixLength", "AddressFamily", "displayName", "productState", "Guid", "x"]),
        inner, max_size=5),
    max_leaves=12,
)
objects = st.lists(json_values, max_size=4)


@FUZZ
@given(objects)
def test_facts_over_any_json(objs: list[Any]) -> None:
    dicts = [o for o in objs if isinstance(o, dict)]
    for fn in (facts.find_default_switch, facts.default_switch_network, facts.default_switch_networks):
        fn(objs)  # never raise, even on junk entries
    for fn in (facts.adapter_ipv4, facts.non_defender_antivirus):
        try:
            fn(dicts)
        except ParseError:
            pass
    for d in dicts:
        try:
            facts.hns_subnets(d)
        except ParseError:
            pass
        facts.av_product_enabled(d.get("productState"))
    # and the same objects through ConvertTo-Json-like text
    text = "\n".join(json.dumps(o, indent=4) for o in objs)
    try:
        powershell.parse_json_objects(text)
    except ParseError:
        pass


@FUZZ
@given(json_values)
def test_value_helpers_total(value: Any) -> None:
    powershell.ps_bool(value)
    powershell.ps_date(value)
    powershell.ps_guid(value)
    powershell.switch_type_name(value)
    powershell.service_status_name(value)


# ------------------------------------------------------------ round trips

names = st.from_regex(r"[a-z][a-z0-9-]{0,14}[a-z0-9]", fullmatch=True)
ips = st.ip_addresses(v=4).map(str)
stamps = st.tuples(*[st.integers(0, 3000)] * 8).map(lambda t: " ".join(map(str, t)))


@FUZZ
@given(st.lists(st.tuples(ips, names, stamps), max_size=8), st.sampled_from(["\n", "\n\n"]))
def test_hosts_ics_round_trip(rows: list[tuple[str, str, str]], sep: str) -> None:
    text = "# generated\n" + sep.join(f"{ip} {name}.mshome.net # {stamp}" for ip, name, stamp in rows)
    hosts = hosts_ics.parse_hosts_ics(text)
    assert hosts.malformed == ()
    assert [(e.ip, e.instance, e.stamp) for e in hosts.entries] == rows
    dups = hosts_ics.duplicates(hosts)
    for name, found in dups.items():
        assert len(found) > 1 and all(e.instance == name for e in found)
    assert sum(len(v) for v in dups.values()) <= len(rows)


ports = st.integers(1, 65535)


@FUZZ
@given(st.lists(st.tuples(ports, ports, st.booleans()), max_size=10))
def test_excluded_ranges_round_trip(rows: list[tuple[int, int, bool]]) -> None:
    ranges = [(min(a, b), max(a, b), star) for a, b, star in rows]
    body = "".join(f"{s:>10}  {e:>10}{'     *' if star else ''}\n" for s, e, star in ranges)
    text = ("\nProtocol tcp Port Exclusion Ranges\n\nStart Port    End Port\n"
            "----------    --------\n" + body + "\n* - Administered port exclusions.\n")
    assert netsh.parse_excluded_port_ranges(text) == [(s, e) for s, e, _ in ranges]


@FUZZ
@given(st.lists(st.tuples(ips, ports, ips, ports), max_size=6))
def test_portproxy_round_trip(rows: list[tuple[str, int, str, int]]) -> None:
    text = ("\nListen on ipv4:             Connect to ipv4:\n\nAddress         Port        Address         Port\n"
            "--------------- ----------  --------------- ----------\n"
            + "".join(f"{a:<15} {p:<10}  {b:<15} {q}\n" for a, p, b, q in rows)) if rows else ""
    assert netsh.parse_portproxy(text) == [netsh.PortProxyRule(a, p, b, q, "v4tov4") for a, p, b, q in rows]


@FUZZ
@given(st.lists(st.tuples(ips, st.integers(0, 32)), max_size=5))
def test_adapter_ipv4_round_trip(rows: list[tuple[str, int]]) -> None:
    objs = [{"IPAddress": ip, "PrefixLength": plen, "AddressFamily": 2} for ip, plen in rows]
    text = json.dumps(objs if len(objs) != 1 else objs[0], indent=4) if objs else ""
    assert facts.adapter_ipv4(powershell.parse_json_objects(text)) == [
        ipaddress.IPv4Interface(f"{ip}/{plen}") for ip, plen in rows]
