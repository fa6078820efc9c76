"""Hypothesis: whatever text a user pastes, a macOS parser returns a result or raises
ParseError, never anything else (IndexError, ValueError, RecursionError...)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selftests.mutations import mutated

from mpdiag.errors import ParseError
from mpdiag.parse.arp import normalize_mac, parse_arp
from mpdiag.parse.dhcpd_leases import newest_lease, parse_leases
from mpdiag.parse.ifconfig import parse_ifconfig
from mpdiag.parse.lsof import listeners_on, parse_lsof
from mpdiag.parse.netstat import parse_netstat_routes, route_for
from mpdiag.parse.pfctl import parse_pf_nat
from mpdiag.parse.plist import parse_defaults
from mpdiag.parse.socketfilterfw import parse_appblocked, parse_firewall_state, parse_listapps
from mpdiag.parse.sw_vers import parse_sw_vers

CORPUS = Path(__file__).parent / "data" / "corpus" / "macos"
SAMPLES = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
SAMPLES += [
    "ProductName:\tmacOS\nProductVersion:\t15.1\nBuildVersion:\t24B83\n",
    '{\n    "Shared_Net_Address" = "192.168.64.1";\n    A = ( b, "c" );\n    D = {length = 2, bytes = 0x0102};\n}\n',
    "The application /usr/libexec/bootpd is not part of the firewall\n",
    "nat on utun1 inet from 192.168.64.0/24 to any -> (utun1) round-robin\n",
    "0/1                10.8.0.1           UGScg               utun3\n",
]

PARSERS: list[Callable[[str], object]] = [
    parse_lsof, parse_netstat_routes, parse_ifconfig, parse_arp, parse_firewall_state,
    parse_listapps, parse_appblocked, parse_pf_nat, parse_defaults, parse_leases, parse_sw_vers,
]

# Characters the formats are made of, so random text reaches deep into the parsers.
ALPHABET = st.sampled_from(list(
    "{}()[]<>;:=,.-/*\\\"'#!%$@>|?\t\n 0123456789abcdefxABCDEFILUGHSWP"
) + ["0x", "->", "inet ", "netmask ", "flags=", "mtu ", "UDP ", "TCP ", "IPv4 ", "IPv6 ",
     "(LISTEN)", "nat on ", "from ", "to ", "-> ", "ip_address=", "hw_address=1,", "ff,",
     "lease=0x", "ProductVersion:", " at ", " on ", "(incomplete)", "State = ", "Block all ",
     "Stealth mode ", "ENABLED", "disabled", "<plist>", "<?xml", "<dict>", "</dict>", "\\U",
     "default ", "link#", "member: ", "status: ", "ether ", "9" * 5000, "\u0663", "\u00b2"])
TEXT = st.lists(ALPHABET, max_size=200).map("".join) | st.text(max_size=400)


def run_all(text: str) -> None:
    for parse in PARSERS:
        try:
            result = parse(text)
        except ParseError:
            continue
        if parse is parse_lsof:
            listeners_on(result, 53)  # type: ignore[arg-type]
        elif parse is parse_netstat_routes:
            for route in result:  # type: ignore[attr-defined]
                _ = route.network, route.scoped, route.gateway_ip
            route_for(result, "192.168.64.2")  # type: ignore[arg-type]
        elif parse is parse_leases:
            newest_lease(result)  # type: ignore[arg-type]
        elif parse is parse_sw_vers:
            _ = result.major, result.version_tuple  # type: ignore[attr-defined]


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(TEXT)
def test_random_text_parses_or_raises_parse_error(text: str) -> None:
    run_all(text)


def mutated_sample() -> st.SearchStrategy[str]:
    return mutated(SAMPLES, TEXT)


@FUZZ
@given(mutated_sample())
def test_mutated_corpus_parses_or_raises_parse_error(text: str) -> None:
    run_all(text)


@FUZZ
@given(st.text(max_size=40) | st.lists(st.sampled_from(list("0123456789abcdefABCDEF:.-zx\u0663")), max_size=25).map("".join))
def test_normalize_mac_returns_canonical_or_parse_error(mac: str) -> None:
    try:
        out = normalize_mac(mac)
    except ParseError:
        return
    assert len(out) == 17 and out == out.lower() and normalize_mac(out) == out


@FUZZ
@given(st.text(max_size=60))
def test_route_for_accepts_any_ip_text(ip: str) -> None:
    routes = parse_netstat_routes((CORPUS / "netstat_rn__961__1.txt").read_text(encoding="utf-8"))
    route_for(routes, ip)
