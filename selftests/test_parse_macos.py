"""The macOS parsers against real pastes (selftests/data/corpus/macos) and hand-written
cases for what the corpus lacks.

Longer than ~300 lines on purpose: a test per real paste of each macOS parser."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Callable

import pytest

from mpdiag.errors import ParseError
from mpdiag.parse.arp import normalize_mac, parse_arp
from mpdiag.parse.dhcpd_leases import newest_lease, parse_leases
from mpdiag.parse.ifconfig import parse_ifconfig
from mpdiag.parse.lsof import listeners_on, parse_lsof
from mpdiag.parse.netstat import Route, parse_netstat_routes, route_for
from mpdiag.parse.pfctl import parse_pf_nat
from mpdiag.parse.plist import parse_defaults
from mpdiag.parse.socketfilterfw import parse_appblocked, parse_firewall_state, parse_listapps
from mpdiag.parse.sw_vers import parse_sw_vers
from mpdiag.parse.text import decode

CORPUS = Path(__file__).parent / "data" / "corpus" / "macos"

# corpus file-name prefix -> the parser for that kind of output
KINDS: dict[str, Callable[[str], object]] = {
    "lsof_": parse_lsof,
    "netstat_rn": parse_netstat_routes,
    "ifconfig": parse_ifconfig,
    "arp_an": parse_arp,
    "socketfilterfw_listapps": parse_listapps,
    "socketfilterfw_": parse_firewall_state,
    "pf_conf": parse_pf_nat,
    "pfctl_": parse_pf_nat,
    "dhcpd_leases": parse_leases,
    "bootpd_plist": parse_defaults,
}


def parser_for(name: str) -> Callable[[str], object]:
    return next(fn for prefix, fn in KINDS.items() if name.startswith(prefix))


def corpus(name: str) -> str:
    return decode((CORPUS / f"{name}.txt").read_bytes())


# multipass_* files are Multipass's own output: selftests/test_parse_multipass.py reads them
CORPUS_FILES = sorted(p.stem for p in CORPUS.glob("*.txt") if not p.stem.startswith("multipass_"))


def test_corpus_is_present_with_sources() -> None:
    assert len(CORPUS_FILES) >= 19
    for stem in CORPUS_FILES:
        meta = json.loads((CORPUS / f"{stem}.json").read_text())
        assert meta["source"].startswith("http")


@pytest.mark.parametrize("stem", CORPUS_FILES)
def test_every_corpus_file_parses_or_raises_parse_error(stem: str) -> None:
    try:
        parser_for(stem)(corpus(stem))
    except ParseError:
        pass


@pytest.mark.parametrize("stem", CORPUS_FILES)
def test_corpus_files_survive_truncation_at_any_line(stem: str) -> None:
    text = corpus(stem)
    lines = text.split("\n")
    for cut in range(len(lines)):
        for piece in ("\n".join(lines[:cut]), "\n".join(lines[cut:]), text[: len(text) * cut // max(len(lines), 1)]):
            try:
                parser_for(stem)(piece)
            except ParseError:
                pass


# --- lsof -----------------------------------------------------------------------------

def test_lsof_2680_only_mdnsresponder_on_53() -> None:
    entries = parse_lsof(corpus("lsof_53__2680__2"))
    assert len(entries) == 4
    assert {e.command for e in listeners_on(entries, 53)} == {"mDNSRespo"}
    assert {(e.ip_version, e.protocol) for e in entries} == {
        ("IPv4", "UDP"), ("IPv6", "UDP"), ("IPv4", "TCP"), ("IPv6", "TCP")}
    assert all(e.pid == 255 and e.user == "_mdnsresponder" and e.address == "*" for e in entries)
    tcp = [e for e in entries if e.protocol == "TCP"]
    assert all(e.listen for e in tcp)


def test_lsof_apple_container_dnscrypt_on_localhost_domain() -> None:
    entries = parse_lsof(corpus("lsof_53__apple-container-1033__1"))
    on53 = listeners_on(entries, 53)
    assert len(on53) == 4
    squatters = [e for e in on53 if e.command == "dnscryptp"]
    assert {(e.pid, e.address, e.protocol, e.user) for e in squatters} == {
        (11037, "127.0.0.1", "UDP", "root"), (11037, "127.0.0.1", "TCP", "root")}
    mdns = [e for e in on53 if e.command == "mDNSRespo"]
    assert {e.ip_version for e in mdns} == {"IPv6"}  # no IPv4 mDNSResponder socket


def test_lsof_warden_grep_without_header_5353_is_not_53() -> None:
    entries = parse_lsof(corpus("lsof_udp53__wardenenv-warden-262__1"))
    assert len(entries) == 4
    assert [e.fd for e in listeners_on(entries, 53)] == ["12u", "16u"]
    assert [e.fd for e in listeners_on(entries, 5353)] == ["6u", "7u"]


def test_lsof_lima_udp67_launchd_and_bootpd() -> None:
    entries = parse_lsof(corpus("lsof_udp67__lima-vm-lima-1259__1"))
    on67 = listeners_on(entries, 67)
    assert len(on67) == 7
    assert {(e.command, e.pid) for e in on67} == {("launchd", 1), ("bootpd", 11431)}


LSOF_HEADER = "COMMAND     PID           USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\n"


def test_lsof_squatters_dnscrypt_cloudflared_dnsmasq() -> None:
    text = (
        "user@mac ~ % sudo lsof -iTCP:53 -iUDP:53 -n -P\n"
        "Password:\n" + LSOF_HEADER +
        "dnscryptp   412           root    7u  IPv4 0x1111111111111111      0t0  UDP 127.0.0.1:53\n"
        "dnscryptp   412           root    8u  IPv4 0x1111111111111112      0t0  TCP 127.0.0.1:53 (LISTEN)\n"
        "cloudflar   733         nobody    9u  IPv6 0x1111111111111113      0t0  UDP [::1]:53\n"
        "dnsmasq     901         nobody    4u  IPv4 0x1111111111111114      0t0  UDP 127.0.0.1:53\n"
        "Google\\x20  1200          alice   33u  IPv4 0x1111111111111115      0t0  UDP 192.168.1.5:61234->1.1.1.1:53\n"
    )
    entries = parse_lsof(text)
    assert [e.command for e in entries] == ["dnscryptp", "dnscryptp", "cloudflar", "dnsmasq", "Google "]
    cf = entries[2]
    assert (cf.address, cf.port, cf.ip_version, cf.user) == ("::1", 53, "IPv6", "nobody")
    client = entries[4]
    assert (client.address, client.port, client.listen) == ("192.168.1.5", 61234, False)
    assert [e.pid for e in listeners_on(entries, 53)] == [412, 412, 733, 901]


def test_lsof_service_names_without_P() -> None:
    text = LSOF_HEADER + (
        "mDNSRespo   469 _mdnsresponder   60u  IPv4 0x65e76d988b6343a9      0t0  UDP *:domain\n"
        "mDNSRespo   469 _mdnsresponder   61u  IPv4 0x65e76d988b6343aa      0t0  UDP *:mdns\n"
        "launchd       1           root   46u  IPv4 0x9b76825c118326e7      0t0  UDP *:bootps\n"
        "bootpd    11431           root    0u  IPv4 0x9b76825c118326e7      0t0  UDP *:bootpc\n"
        "mDNSRespo   469 _mdnsresponder   62u  IPv6 0x65e76d988b6343ab      0t0  TCP localhost:domain (LISTEN)\n"
        "weird       470           root   63u  IPv4 0x65e76d988b6343ac      0t0  UDP *:*\n"
    )
    ports = [e.port for e in parse_lsof(text)]
    assert ports == [53, 5353, 67, 68, 53, None]
    assert parse_lsof(text)[4].address == "::1"


def test_lsof_empty_and_prompt_only_are_no_match() -> None:
    assert parse_lsof("") == []
    assert parse_lsof("\n\n") == []
    assert parse_lsof("$ sudo lsof -iUDP:67 -n -P\nPassword:\n") == []
    assert parse_lsof(LSOF_HEADER) == []


def test_lsof_cut_line_is_skipped_and_garbage_raises() -> None:
    text = LSOF_HEADER + (
        "bootpd    11431           root    0u  IPv4 0x9b76825c118326e7      0t0  UDP *:67\n"
        "bootpd    11431           root    1u  IPv4 0x9b76825c1183"
    )
    assert len(parse_lsof(text)) == 1
    with pytest.raises(ParseError):
        parse_lsof("lsof is not installed, try brew\nsomething else")


# --- netstat ----------------------------------------------------------------------------

def test_netstat_961_subnet_on_bridge1() -> None:
    routes = parse_netstat_routes(corpus("netstat_rn__961__1"))
    chosen = route_for(routes, "192.168.64.2")
    assert chosen is not None and chosen.netif == "bridge1"
    assert chosen.network == ipaddress.IPv4Network("192.168.64.0/24")
    default = route_for(routes, "8.8.8.8")
    assert default is not None and (default.netif, default.gateway) == ("en0", "10.1.200.254")
    host = route_for(routes, "10.1.200.72")  # its UHLWI row is scoped: the /24 carries it
    assert (host.destination, host.netif) == ("10.1.200/24", "en0")
    assert any(r.gateway == "c0:33:5e:2f:22:61" and r.scoped for r in routes)
    assert routes[-1].destination == "224.0.0.251"  # the cut "239.255.25" row is skipped
    bcast = next(r for r in routes if r.destination == "192.168.64.255")
    assert bcast.gateway == "ff.ff.ff.ff.ff.ff" and bcast.network.prefixlen == 32


def test_netstat_1025_old_layout_and_cut() -> None:
    routes = parse_netstat_routes(corpus("netstat_rn__1025__1"))
    assert routes[2] == Route("10.147.19/24", "link#10", "UC", "feth483", "!")
    assert routes[3].network == ipaddress.IPv4Network("10.155.0.0/19")
    assert routes[0].expire is None
    assert route_for(routes, "147.75.92.2").netif == "en0"  # the bridge1 host row is scoped (I)
    assert route_for(routes, "10.147.19.5").netif == "feth483"


def test_netstat_superuser_inet_new_layout_dotted_macs() -> None:
    routes = parse_netstat_routes(corpus("netstat_rn_inet__superuser-1857706__1"))
    assert route_for(routes, "192.168.64.7").netif == "bridge100"
    guest = next(r for r in routes if r.destination == "192.168.64.2")
    assert (guest.gateway, guest.expire, guest.gateway_ip) == ("8a.c3.94.a.86.e2", "1088", None)
    assert route_for(routes, "1.1.1.1").gateway_ip == ipaddress.IPv4Address("192.168.178.1")


@pytest.mark.parametrize(("dest", "net"), [
    ("default", "0.0.0.0/0"), ("192.168.64", "192.168.64.0/24"), ("127", "127.0.0.0/8"),
    ("10.1.200/24", "10.1.200.0/24"), ("0/1", "0.0.0.0/1"), ("128.0/1", "128.0.0.0/1"),
    ("169.254", "169.254.0.0/16"), ("10.155.0.1/32", "10.155.0.1/32"),
    ("192.168.64.2", "192.168.64.2/32"), ("224.0.0/4", "224.0.0.0/4"), ("10", "10.0.0.0/8"),
])
def test_route_network_short_forms(dest: str, net: str) -> None:
    assert Route(dest, "link#1", "UCS", "en0", None).network == ipaddress.IPv4Network(net)


@pytest.mark.parametrize("dest", ["fe80::%lo0/64", "::1", "link#4", "999.1", "1.2.3.4/33", ""])
def test_route_network_rejects_non_ipv4(dest: str) -> None:
    assert Route(dest, "link#1", "UCS", "en0", None).network is None


VPN_NETSTAT = """\
$ netstat -rn
Routing tables

Internet:
Destination        Gateway            Flags               Netif Expire
0/1                10.8.0.1           UGScg               utun3
default            192.168.1.1        UGScg                 en0
default            link#22            UCSIg           bridge101      !
10.8/16            10.8.0.1           UGSc                utun3
127                127.0.0.1          UCS                   lo0
128.0/1            10.8.0.1           UGSc                utun3
192.168.1          link#6             UCS                   en0      !
192.168.64         link#22            UC              bridge101      !
192.168.64.1       a.b.c.d.e.f        UHLWIi                lo0
192.168.66         link#30            UC                bridge1      !
203.0.113.9/32     192.168.1.1        UGSc                  en0

Internet6:
Destination                             Gateway                         Flags               Netif Expire
default                                 fe80::%utun0                    UGcIg               utun0
::1                                     ::1                             UHL                   lo0
fe80::%lo0/64                           fe80::1%lo0                     UcI                   lo0
"""


def test_netstat_vpn_split_routes_without_refs_use() -> None:
    routes = parse_netstat_routes(VPN_NETSTAT)
    assert all(":" not in r.destination for r in routes)
    assert route_for(routes, "8.8.8.8").netif == "utun3"  # 0/1 beats default
    assert route_for(routes, "200.1.1.1").netif == "utun3"  # 128.0/1
    assert route_for(routes, "203.0.113.9").netif == "en0"
    assert route_for(routes, "192.168.64.3").netif == "bridge101"
    assert route_for(routes, "192.168.66.3").netif == "bridge1"
    assert route_for(routes, "fe80::1") is None


def test_netstat_utun_default_and_ppp_ipsec() -> None:
    text = (
        "default            10.0.0.1           UGScg                utun4\n"
        "default            192.168.1.1        UGScIg                 en0\n"
        "10.20/16           ppp0               USc                   ppp0\n"
        "172.16/12          link#25            UCS                 ipsec0      !\n"
        "192.168.64         link#25            UCS                  utun4      !\n"
    )  # grep-filtered: no header, no section
    routes = parse_netstat_routes(text)
    assert route_for(routes, "1.1.1.1").netif == "utun4"
    assert route_for(routes, "192.168.64.2").netif == "utun4"  # the subnet hijacked by a VPN
    assert route_for(routes, "10.20.1.1").netif == "ppp0"
    assert route_for(routes, "172.20.0.1").netif == "ipsec0"


def test_netstat_only_ipv6_or_garbage_raises() -> None:
    with pytest.raises(ParseError):
        parse_netstat_routes("Internet6:\n::1  ::1  UHL  lo0\n")
    with pytest.raises(ParseError):
        parse_netstat_routes("")
    with pytest.raises(ParseError):
        parse_netstat_routes("netstat: command not found")


# --- ifconfig ---------------------------------------------------------------------------

def test_ifconfig_xhyve_utuns_and_bridge() -> None:
    ifs = parse_ifconfig(corpus("ifconfig__machyve-xhyve-84__1"))
    assert list(ifs) == ["utun0", "utun9", "bridge100", "en9"]
    assert ifs["utun0"].inet == (ipaddress.IPv4Interface("10.33.127.240/16"),)
    assert ifs["utun9"].inet == (ipaddress.IPv4Interface("10.25.134.54/32"),)
    assert ifs["utun9"].mtu == 1406 and "POINTOPOINT" in ifs["utun9"].flags
    br = ifs["bridge100"]
    assert br.inet == (ipaddress.IPv4Interface("192.168.64.1/24"),)
    assert br.members == ("en9",) and br.status == "active" and br.up
    assert br.ether == "82:e6:50:b1:de:64"
    assert "PROMISC" in ifs["en9"].flags and ifs["en9"].inet == ()


def test_ifconfig_2265_bridge100() -> None:
    ifs = parse_ifconfig(corpus("ifconfig_bridge100__2265__1"))
    br = ifs["bridge100"]
    assert br.inet[0].network == ipaddress.IPv4Network("192.168.64.0/24")
    assert br.members == ("en7",)


def test_ifconfig_down_interface_cut_netmask_and_no_tabs() -> None:
    text = (
        "lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384\n"
        "inet 127.0.0.1 netmask 0xff000000\n"
        "bridge101: flags=8822<BROADCAST,SMART,SIMPLEX,MULTICAST> mtu 1500\n"
        "ether 5e:e9:1e:a:b:65\n"
        "inet 192.168.252.1 netmask 0xffffff00 broadcast 192.168.252.255\n"
        "member: vmenet0 flags=3<LEARNING,DISCOVER>\n"
        "member: vmenet1 flags=3<LEARNING,DISCOVER>\n"
        "status: inactive\n"
        "en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\tinet 192.168.1.20 netmask 0xfff"
    )
    ifs = parse_ifconfig(text)
    assert ifs["lo0"].inet == (ipaddress.IPv4Interface("127.0.0.1/8"),)
    b = ifs["bridge101"]
    assert not b.up and b.members == ("vmenet0", "vmenet1") and b.status == "inactive"
    assert b.ether == "5e:e9:1e:0a:0b:65"
    assert ifs["en0"].inet == ()  # the cut netmask is not guessed


def test_ifconfig_garbage_raises() -> None:
    with pytest.raises(ParseError):
        parse_ifconfig("ifconfig: interface bridge100 does not exist")
    with pytest.raises(ParseError):
        parse_ifconfig("")


# --- arp --------------------------------------------------------------------------------

def test_arp_3661_in_log_lines() -> None:
    entries = parse_arp(corpus("arp_an__3661__4"))
    assert len(entries) == 8
    inst = next(e for e in entries if e.ip == "192.168.64.4")
    assert (inst.mac, inst.interface, inst.permanent) == ("52:54:00:25:fa:8a", "bridge100", False)
    assert next(e for e in entries if e.ip == "192.168.1.40").permanent
    assert entries[0].mac == "48:a9:8a:0c:a0:14"


def test_arp_incomplete_permanent_and_hostnames() -> None:
    text = (
        "$ arp -an\n"
        "? (192.168.64.2) at 52:54:0:a:b:c on bridge100 ifscope [bridge]\n"
        "? (192.168.64.9) at (incomplete) on bridge100 ifscope [bridge]\n"
        "? (192.168.64.1) at 3e:6:30:20:54:64 on bridge100 ifscope permanent [bridge]\n"
        "router.lan (192.168.1.1) at 48:a9:8a:c:a0:14 on en0 ifscope [ethernet]\n"
    )
    entries = parse_arp(text)
    assert [(e.ip, e.mac, e.permanent) for e in entries] == [
        ("192.168.64.2", "52:54:00:0a:0b:0c", False),
        ("192.168.64.9", None, False),
        ("192.168.64.1", "3e:06:30:20:54:64", True),
        ("192.168.1.1", "48:a9:8a:0c:a0:14", False),
    ]
    assert parse_arp("") == [] and parse_arp("$ arp -an\n") == []
    with pytest.raises(ParseError):
        parse_arp("arp: cannot open routing socket")


@pytest.mark.parametrize(("raw", "norm"), [
    ("52:54:0:a:b:c", "52:54:00:0a:0b:0c"), ("52:54:00:55:1A:C8", "52:54:00:55:1a:c8"),
    ("8a.c3.94.a.86.e2", "8a:c3:94:0a:86:e2"), ("2-f4-d4-c4-a0-99", "02:f4:d4:c4:a0:99"),
])
def test_normalize_mac(raw: str, norm: str) -> None:
    assert normalize_mac(raw) == norm


@pytest.mark.parametrize("bad", ["", "52:54:0:a:b", "52:54:0:a:b:c:d", "zz:54:0:a:b:c", "123:1:1:1:1:1"])
def test_normalize_mac_rejects(bad: str) -> None:
    with pytest.raises(ParseError):
        normalize_mac(bad)


# --- socketfilterfw ---------------------------------------------------------------------

def test_socketfilterfw_pareto_multi_query() -> None:
    state = parse_firewall_state(corpus("socketfilterfw_multi__ParetoSecurity-pareto-mac-139__1"))
    assert state.enabled is True and state.block_all is False and state.stealth is None
    assert state.errors == ("ALF: Error, kStealthEnableKey does not return the correct type.",)


def test_socketfilterfw_blog_enabled() -> None:
    state = parse_firewall_state(corpus("socketfilterfw_getglobalstate__skowronski-blog-2387__1"))
    assert (state.enabled, state.block_all, state.stealth, state.errors) == (True, None, None, ())


@pytest.mark.parametrize(("text", "expected"), [
    ("Firewall is enabled. (State = 1)", (True, None, None)),
    ("Firewall is disabled. (State = 0)", (False, None, None)),
    ("Firewall is blocking all non-essential incoming connections. (State = 2)", (True, True, None)),
    ("Firewall is set to block all non-essential incoming connections", (True, True, None)),
    ("Block all ENABLED!", (None, True, None)),
    ("Block all DISABLED!", (None, False, None)),
    ("Firewall has block all state set to enabled.", (None, True, None)),
    ("Firewall has block all state set to disabled.", (None, False, None)),
    ("Stealth mode enabled", (None, None, True)),
    ("Stealth mode disabled", (None, None, False)),
    ("Firewall stealth mode is on", (None, None, True)),
    ("Firewall stealth mode is off", (None, None, False)),
    ("$ socketfilterfw --getglobalstate\nFirewall is disabled. (State = 0)\nBlock all DISABLED! \n"
     "Stealth mode enabled \n", (False, False, True)),
])
def test_socketfilterfw_every_wording(text: str, expected: tuple) -> None:
    state = parse_firewall_state(text)
    assert (state.enabled, state.block_all, state.stealth) == expected


def test_socketfilterfw_only_error_and_garbage() -> None:
    state = parse_firewall_state("ALF: Error, kStealthEnableKey does not return the correct type.")
    assert state.enabled is None and len(state.errors) == 1
    for bad in ("", "Automatically allow signed built-in software ENABLED", "zsh: command not found"):
        with pytest.raises(ParseError):
            parse_firewall_state(bad)


def test_listapps_nix_darwin_new_layout() -> None:
    apps = parse_listapps(corpus("socketfilterfw_listapps__nix-darwin-nix-darwin-1705__1"))
    assert len(apps) == 9
    assert apps["/usr/libexec/sshd-session"] is False and apps["/usr/sbin/smbd"] is True
    assert "/usr/libexec/bootpd" not in apps


def test_listapps_old_layout_with_spaces_and_cut() -> None:
    text = (
        "ALF: total number of apps = 3 \n\n"
        "1 :  /Applications/Multipass.app/Contents/MacOS/multipassd \n"
        " \t ( Block incoming connections ) \n\n"
        "2 :  /Applications/Google Chrome.app \n"
        " \t ( Allow incoming connections ) \n\n"
        "3 :  /usr/libexec/bootpd \n"
    )
    apps = parse_listapps(text)
    assert apps == {"/Applications/Multipass.app/Contents/MacOS/multipassd": False,
                    "/Applications/Google Chrome.app": True}
    assert parse_listapps("ALF: total number of apps = 0\n") == {}
    with pytest.raises(ParseError):
        parse_listapps("")


@pytest.mark.parametrize(("text", "blocked", "in_fw"), [
    ("The application /usr/libexec/bootpd is not part of the firewall", None, False),
    ("The application /usr/libexec/bootpd is blocked", True, True),
    ("The application /usr/libexec/bootpd is blocked from receiving incoming connections", True, True),
    ("The application /usr/libexec/bootpd is permitted", False, True),
    ("The application /usr/libexec/bootpd is allowed to receive incoming connections", False, True),
    ("$ socketfilterfw --getappblocked /usr/libexec/bootpd\nIncoming connection to the application is blocked",
     True, True),
    ("$ socketfilterfw --getappblocked /usr/libexec/bootpd\nIncoming connection to the application is permitted",
     False, True),
])
def test_appblocked_wordings(text: str, blocked: bool | None, in_fw: bool) -> None:
    result = parse_appblocked(text)
    assert (result.path, result.blocked, result.in_firewall) == ("/usr/libexec/bootpd", blocked, in_fw)


def test_appblocked_garbage_raises() -> None:
    with pytest.raises(ParseError):
        parse_appblocked("$ socketfilterfw --getappblocked /usr/libexec/bootpd\n")


# --- pfctl ------------------------------------------------------------------------------

def test_pf_nat_loaded_form_anchors_and_altq() -> None:
    text = (
        "$ sudo pfctl -s nat\n"
        "No ALTQ support in kernel\n"
        "ALTQ related functions disabled\n"
        'nat-anchor "com.apple/*" all\n'
        "nat on utun1 inet from 192.168.64.0/24 to any -> (utun1) round-robin\n"
        'rdr-anchor "com.apple/*" all\n'
        "rdr pass on lo0 inet proto tcp from any to any port = 80 -> 127.0.0.1 port 8080\n"
    )
    rules = parse_pf_nat(text)
    assert len(rules) == 1
    r = rules[0]
    assert (r.interface, r.source, r.translation, r.destination) == ("utun1", "192.168.64.0/24", "(utun1)", "any")
    assert r.raw.endswith("round-robin")


def test_pf_nat_doc_form_and_corpus_pf_conf() -> None:
    (rule,) = parse_pf_nat("nat on utun1 from bridge100:network to any -> (utun1)")
    assert (rule.interface, rule.source, rule.translation) == ("utun1", "bridge100:network", "(utun1)")
    rules = parse_pf_nat(corpus("pf_conf__1336__1"))
    assert [(r.interface, r.destination) for r in rules] == [("utun1", "192.168.11.22"), ("en0", "any")]


def test_pf_nat_empty_anchor_only_and_error_output() -> None:
    assert parse_pf_nat("") == []
    assert parse_pf_nat('No ALTQ support in kernel\nALTQ related functions disabled\n') == []
    assert parse_pf_nat('nat-anchor "com.apple/*" all\nrdr-anchor "com.apple/*" all\n') == []
    with pytest.raises(ParseError):
        parse_pf_nat(corpus("pfctl_load__1966__1"))  # pfctl -f errors, not -s nat output
    with pytest.raises(ParseError):
        parse_pf_nat("pfctl: /dev/pf: Permission denied")


# --- defaults / plist -------------------------------------------------------------------

def test_defaults_vmnet_plist() -> None:
    text = (
        "user@mac ~ % defaults read /Library/Preferences/SystemConfiguration/com.apple.vmnet.plist\n"
        "{\n"
        '    "Shared_Net_Address" = "192.168.64.1";\n'
        "    Shared_Net_Mask = \"255.255.255.0\";\n"
        "    Version = 1;\n"
        "    Interfaces = (\n        bridge100,\n        \"bridge 101\"\n    );\n"
        "    Nested = { Inner = \"a \\\"q\\\" b\"; Data = <0fbd7789>; };\n"
        "    Blob = {length = 16, bytes = 0x62706c69 73743030 ... 00000151 };\n"
        "}\n"
        "user@mac ~ %\n"
    )
    d = parse_defaults(text)
    assert d["Shared_Net_Address"] == "192.168.64.1" and d["Shared_Net_Mask"] == "255.255.255.0"
    assert d["Version"] == "1" and d["Interfaces"] == ["bridge100", "bridge 101"]
    assert d["Nested"] == {"Inner": 'a "q" b', "Data": "0fbd7789"}
    assert d["Blob"]["length"] == "16" and d["Blob"]["bytes"].startswith("0x6270")


def test_defaults_xml_plist_and_missing_domain() -> None:
    xml = (
        '$ cat com.apple.vmnet.plist\n<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
        '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
        '<plist version="1.0">\n<dict>\n\t<key>Shared_Net_Address</key>\n'
        "\t<string>192.168.66.1</string>\n</dict>\n</plist>\n$ \n"
    )
    assert parse_defaults(xml) == {"Shared_Net_Address": "192.168.66.1"}
    assert parse_defaults("") == {}
    missing = ("2024-05-01 10:00:00.000 defaults[123:456] \nThe domain/default pair of "
               "(/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist, ) does not exist\n")
    assert parse_defaults(missing) == {}


def test_defaults_bootpd_plist_cut_xml_is_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_defaults(corpus("bootpd_plist__2265__1"))
    full = corpus("bootpd_plist__2265__1").rsplit("\n", 1)[0] + "\n</dict>\n</plist>\n"
    assert parse_defaults(full)["Subnets"][0]["net_address"] == "192.168.65.0"


@pytest.mark.parametrize("bad", [
    "{ a = b; ", "{ a = \"b; }", "{ a b; }", "192.168.64.1", "( a, b )", "{ = x; }", "{ a = (b c); }",
])
def test_defaults_unreadable(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_defaults(bad)


# --- dhcpd_leases ---------------------------------------------------------------------

def test_leases_4383_tahoe_subnet() -> None:
    (lease,) = parse_leases(corpus("dhcpd_leases__4383__1"))
    assert (lease.name, lease.ip, lease.hw_address, lease.hw_type) == (
        "personable-dragon", "192.168.2.2", "52:54:00:55:1a:c8", "1")
    assert lease.identifier == "1,52:54:0:55:1a:c8" and lease.lease == 0x68D19729


def test_leases_2050_cut_at_end_newest_first() -> None:
    leases = parse_leases(corpus("dhcpd_leases__2050__1"))
    assert [x.name for x in leases] == [
        "ubuntu-lts", "tactful-sturgeon", "brainy-bettong", "innate-ocelot", "primary", "ubuntu-tes"]
    expiries = [x.lease for x in leases]
    assert expiries == sorted(expiries, reverse=True)  # bootpd writes the newest first
    assert newest_lease(leases) is leases[0]
    assert leases[4].hw_address == "ca:3b:cc:0e:10:69"


def test_leases_minikube_prompt_and_unpadded_mac() -> None:
    (lease,) = parse_leases(corpus("dhcpd_leases__kubernetes-minikube-1926__1"))
    assert lease.hw_address == "02:f4:d4:c4:a0:99" and lease.ip == "192.168.64.2"


def test_leases_duid_duplicates_and_cut_start() -> None:
    text = (
        "\tip_address=192.168.64.9\n\thw_address=1,52:54:0:1:2:3\n\tlease=0x1\n}\n"  # cut start
        "{\n\tname=primary\n\tip_address=192.168.64.3\n"
        "\thw_address=ff,f1:f5:dd:7f:0:2:0:0:ab:11:5a:19:9e:67:f:f9:d9:4d\n"
        "\tidentifier=ff,f1:f5:dd:7f:0:2:0:0:ab:11:5a:19:9e:67:f:f9:d9:4d\n\tlease=0x66f2a4be\n}\n"
        "{\n\tname=primary\n\tip_address=192.168.64.2\n\thw_address=1,52:54:0:aa:bb:cc\n"
        "\tidentifier=1,52:54:0:aa:bb:cc\n\tlease=0x66f0f1a0\n}\n"
    )
    leases = parse_leases(text)
    assert [(x.name, x.ip, x.hw_type, x.hw_address) for x in leases] == [
        ("primary", "192.168.64.3", "ff", None), ("primary", "192.168.64.2", "1", "52:54:00:aa:bb:cc")]
    assert leases[0].identifier.startswith("ff,")


def test_leases_empty_and_unreadable() -> None:
    assert parse_leases("") == [] and parse_leases("  \n") == []
    assert parse_leases("$ cat /var/db/dhcpd_leases\n") == []
    assert newest_lease([]) is None
    for bad in ("{\n\tname=x\n\tip_addr", "cat: /var/db/dhcpd_leases: No such file or directory",
                "{\n\tname=x\n\tip_address=not-an-ip\n}\n"):
        with pytest.raises(ParseError):
            parse_leases(bad)


# --- sw_vers ----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name", "version", "build", "major"), [
    ("ProductName:\tMac OS X\nProductVersion:\t10.15.7\nBuildVersion:\t19H2\n", "Mac OS X", "10.15.7", "19H2", 10),
    ("ProductName:\t\tmacOS\nProductVersion:\t\t15.1\nBuildVersion:\t\t24B83\n", "macOS", "15.1", "24B83", 15),
    ("$ sw_vers\nProductName:    macOS\nProductVersion: 26.0\nProductVersionExtra: (a)\nBuildVersion:   25A354\n",
     "macOS", "26.0", "25A354", 26),
    ("ProductName: macOS\nProductVersion: 14.6.1\n", "macOS", "14.6.1", None, 14),
])
def test_sw_vers_layouts(text: str, name: str, version: str, build: str | None, major: int) -> None:
    v = parse_sw_vers(text)
    assert (v.product_name, v.version, v.build, v.major) == (name, version, build, major)
    assert v.version_tuple[0] == major


@pytest.mark.parametrize("bad", ["", "ProductName: macOS\n", "ProductVersion: fifteen\n", "zsh: sw_vers not found"])
def test_sw_vers_unreadable(bad: str) -> None:
    with pytest.raises(ParseError):
        parse_sw_vers(bad)


# --- encodings: what a probe really hands over ---------------------------------------

def test_crlf_and_utf16_captures_parse_the_same() -> None:
    text = corpus("lsof_53__2680__2")
    for data in (text.replace("\n", "\r\n").encode(), b"\xff\xfe" + text.encode("utf-16-le")):
        assert parse_lsof(decode(data)) == parse_lsof(text)
