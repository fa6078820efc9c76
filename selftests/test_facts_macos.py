"""mpdiag.host.rules.macos: the live vmnet subnet, port holders, VPN interfaces, known tools
(real pastes from selftests/data/corpus/macos where they exist)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from mpdiag.host.rules import macos as facts
from mpdiag.parse.ifconfig import parse_ifconfig
from mpdiag.parse.lsof import parse_lsof
from mpdiag.parse.multipass import Instance
from mpdiag.parse.text import decode

CORPUS = Path(__file__).parent / "data" / "corpus" / "macos"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios" / "macos"


def corpus(name: str) -> str:
    return decode((CORPUS / f"{name}.txt").read_bytes())


def scenario_probe(scenario: str, probe: str) -> str:
    return (SCENARIOS / scenario / "probes" / f"{probe}.out").read_text()


NET = ipaddress.IPv4Network
ADDR = ipaddress.IPv4Address

BRIDGE = """bridge{n}: flags=8a63<UP,BROADCAST,SMART,RUNNING,ALLMULTI,SIMPLEX,MULTICAST> mtu 1500
\tether 3e:06:30:20:54:64
\tinet {net}.1 netmask 0xffffff00 broadcast {net}.255
\tmember: vmenet{m} flags=3<LEARNING,DISCOVER>
\tstatus: active
"""
THUNDERBOLT = """bridge0: flags=8822<BROADCAST,SMART,SIMPLEX,MULTICAST> mtu 1500
\tmember: en1 flags=3<LEARNING,DISCOVER>
\tmember: en2 flags=3<LEARNING,DISCOVER>
\tstatus: inactive
"""
EN0 = """en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500
\tinet 192.168.1.52 netmask 0xffffff00 broadcast 192.168.1.255
"""


def ifaces(*blocks: str):
    return parse_ifconfig("".join(blocks))


def running(name: str, ip: str) -> Instance:
    return Instance(name, "Running", (ip,), "Ubuntu 24.04 LTS")


# --- the subnet -------------------------------------------------------------------------


def test_subnet_from_the_bridge_in_the_corpus() -> None:
    # issue 2265's bridge100 (member en7: no vmenet, but a bridge >= 100 with an address)
    found = facts.live_subnet(parse_ifconfig(corpus("ifconfig_bridge100__2265__1")))
    assert found == facts.VmnetSubnet(NET("192.168.64.0/24"), ADDR("192.168.64.1"), "bridge100", "bridge")
    assert str(found) == "192.168.64.0/24"


def test_xhyve_paste_bridge_and_vpn_interfaces() -> None:
    parsed = parse_ifconfig(corpus("ifconfig__machyve-xhyve-84__1"))
    assert facts.live_subnet(parsed).bridge == "bridge100"
    assert [i.name for i in facts.vpn_interfaces(parsed)] == ["utun0", "utun9"]


def test_thunderbolt_bridge0_is_never_vmnet() -> None:
    parsed = ifaces(THUNDERBOLT, EN0)
    assert facts.vmnet_bridges(parsed) == []
    assert facts.live_subnet(parsed) is None


def test_the_bridge_holding_a_running_instance_wins() -> None:
    parsed = ifaces(BRIDGE.format(n=100, net="192.168.64", m=0), BRIDGE.format(n=101, net="192.168.252", m=1))
    found = facts.live_subnet(parsed, instances=[running("primary", "192.168.252.2")])
    assert (found.bridge, str(found.network), str(found.gateway)) == ("bridge101", "192.168.252.0/24", "192.168.252.1")
    # no instance: Multipass 1.16.2+ prefers its own forced subnet; older ones the plist's
    assert facts.live_subnet(parsed, multipass_version=(1, 16, 3)).bridge == "bridge101"
    plist = {"Shared_Net_Address": "192.168.64.1"}
    assert facts.live_subnet(parsed, plist, multipass_version=(1, 15, 1)).bridge == "bridge100"
    assert facts.live_subnet(parsed).bridge == "bridge100"  # else the lowest number


def test_subnet_from_the_plist_then_instances_then_multipass() -> None:
    plist = {"Shared_Net_Address": "192.168.66.1", "Shared_Net_Mask": "255.255.255.0"}
    found = facts.live_subnet(ifaces(EN0), plist, [running("a", "192.168.64.7")], (1, 15, 1))
    assert (str(found.network), found.bridge, found.source) == ("192.168.66.0/24", None, "plist")
    # 1.16.2+ does not read Shared_Net_Address: the instances tell, else the forced subnet
    found = facts.live_subnet(ifaces(EN0), plist, [running("a", "192.168.252.9")], (1, 16, 2))
    assert (str(found.network), str(found.gateway), found.source) == ("192.168.252.0/24", "192.168.252.1", "instances")
    found = facts.live_subnet(ifaces(EN0), plist, [], (1, 16, 3))
    assert (found.network, found.source) == (facts.FORCED_SUBNET, "multipass")
    found = facts.live_subnet(None, {}, [running("a", "192.168.64.7"), Instance("b", "Stopped", ())])
    assert (str(found.network), found.source) == ("192.168.64.0/24", "instances")
    assert facts.live_subnet(None, {}, [Instance("b", "Unknown", ())]) is None


@pytest.mark.parametrize(("plist", "expected"), [
    ({}, None),
    ({"Shared_Net_Address": "192.168.64.1"}, ("192.168.64.1", "192.168.64.0/24")),
    ({"Shared_Net_Address": "10.0.64.1", "Shared_Net_Mask": "255.255.0.0"}, ("10.0.64.1", "10.0.0.0/16")),
    ({"Shared_Net_Address": "not-an-ip"}, None),
])
def test_plist_subnet(plist, expected) -> None:
    got = facts.plist_subnet(plist)
    assert (None if got is None else (str(got[0]), str(got[1]))) == expected


@pytest.mark.parametrize(("name", "vpn"), [
    ("utun4", True), ("ppp0", True), ("ipsec0", True), ("tun0", True),
    ("bridge100", False), ("en0", False), ("utun", False), ("vmenet0", False),
])
def test_vpn_interface_names(name, vpn) -> None:
    assert facts.is_vpn_interface(name) is vpn


def test_idle_utuns_without_ipv4_are_not_vpns() -> None:
    parsed = parse_ifconfig(scenario_probe("healthy", "ifconfig"))
    assert facts.vpn_interfaces(parsed) == []
    parsed = parse_ifconfig(scenario_probe("vpn-no-nat", "ifconfig"))
    assert [(i.name, str(i.inet[0].ip)) for i in facts.vpn_interfaces(parsed)] == [("utun5", "10.8.0.6")]


# --- ports --------------------------------------------------------------------------------


def test_port53_corpus_mdnsresponder_only_is_clean() -> None:
    for name in ("lsof_53__2680__2", "lsof_udp53__wardenenv-warden-262__1"):
        assert facts.port53_squatters(parse_lsof(corpus(name))) == []


def test_port53_corpus_dnscrypt_is_a_squatter() -> None:
    squatters = facts.port53_squatters(parse_lsof(corpus("lsof_53__apple-container-1033__1")))
    assert {(e.command, e.pid, e.address) for e in squatters} == {("dnscryptp", 11037, "127.0.0.1")}
    assert facts.tool_for_lsof_command("dnscryptp") == "dnscrypt-proxy"
    assert "dnscryptp (pid 11037, user root) on UDP 127.0.0.1:53, TCP 127.0.0.1:53" == facts.describe_all(squatters)


@pytest.mark.parametrize(("command", "ok"), [
    ("mDNSRespo", True), ("mDNSResponder", True), ("mdnsrespo", True), ("mDNS", False),
    ("dnsmasq", False), ("mDNSResponderHelper", False),
])
def test_mdnsresponder_by_its_cut_name(command, ok) -> None:
    assert facts.is_mdnsresponder(command) is ok


def test_port67_corpus_launchd_and_bootpd() -> None:
    ok, others = facts.port67_holders(parse_lsof(corpus("lsof_udp67__lima-vm-lima-1259__1")))
    assert {e.command for e in ok} == {"launchd", "bootpd"} and others == []
    rows = parse_lsof(scenario_probe("dhcp-squatter", "lsof_udp67"))
    ok, others = facts.port67_holders(rows)
    assert {e.command for e in ok} == {"launchd"} and [(e.command, e.pid) for e in others] == [("dhcpd", 812)]


@pytest.mark.parametrize(("command", "key"), [
    ("dnscrypt-", "dnscrypt-proxy"), ("dnscryptp", "dnscrypt-proxy"), ("dnscrypt-proxy", "dnscrypt-proxy"),
    ("dnscrypt-wrapper", "dnscrypt-wrapper"), ("cloudflar", "cloudflared"), ("dnsmasq", "dnsmasq"),
    ("dns-updat", "umbrella"), ("acumbrell", "umbrella"), ("named", None), ("", None),
])
def test_tool_for_lsof_command(command, key) -> None:
    assert facts.tool_for_lsof_command(command) == key


def test_tool_by_pid_prefers_the_process_and_umbrella() -> None:
    umbrella = [{"pid": 398, "name": "dnscrypt-proxy", "exe": None},
                {"pid": 1533, "name": "UmbrellaMenu",
                 "exe": "/Applications/OpenDNS Roaming Client/UmbrellaMenu.app/Contents/MacOS/UmbrellaMenu"}]
    assert facts.tool_for_lsof_command("dnscrypt-", umbrella, 398) == "umbrella"
    plain = [{"pid": 398, "name": "dnscrypt-proxy", "exe": "/opt/homebrew/bin/dnscrypt-proxy"}]
    assert facts.tool_for_lsof_command("dnscrypt-", plain, 398) == "dnscrypt-proxy"
    bundled = [{"pid": 398, "name": "dnscrypt-proxy", "exe": "/Applications/OpenDNS Roaming Client/dnscrypt-proxy"}]
    assert facts.tool_for_lsof_command("dnscrypt-", bundled, 398) == "umbrella"


def test_port53_fix_texts() -> None:
    assert "230561007-Umbrella-Roaming-Client-OS-X-and-Internet-Sharing" in facts.port53_fix("umbrella")
    assert "listen_addresses = ['127.0.0.1:5053']" in facts.port53_fix("dnscrypt-proxy")
    assert "cloudflared proxy-dns --port 5053" in facts.port53_fix("cloudflared")
    assert "--listen-address" in facts.port53_fix("dnscrypt-wrapper")
    fix = facts.port53_fix("dnsmasq", "dnsmasq", "bridge101")
    assert "bind-interfaces" in fix and "listen-address" in fix and "except-interface=bridge101" in fix
    assert "Stop named" in facts.port53_fix(None, "named")
    for text in facts.PORT53_FIXES.values():
        assert ":5353" not in text  # mDNSResponder's Bonjour port: never suggested


# --- processes ---------------------------------------------------------------------------


def procs(*rows):
    return [{"pid": pid, "name": name, "exe": exe} for pid, name, exe in rows]


BASE = procs((1, "launchd", None), (255, "mDNSResponder", None), (1204, "Finder", "/System/Library/CoreServices/"
             "Finder.app/Contents/MacOS/Finder"), (2210, "zsh", "/bin/zsh"), (402, "multipassd", None))


@pytest.mark.parametrize(("row", "key"), [
    ((1, "openvpn", "/usr/local/sbin/openvpn"), "openvpn"),
    ((1, "OpenVPN Connect", "/Applications/OpenVPN Connect/OpenVPN Connect.app/Contents/MacOS/OpenVPN Connect"),
     "openvpn"),
    ((1, "f5vpn", None), "f5"),
    ((1, "BIG-IP Edge Clie", None), "f5"),
    ((1, "NetExtender", None), "sonicwall"),
    ((1, "vpnagentd", None), "anyconnect"),
    ((1, "Cisco Secure Cli", None), "anyconnect"),
    ((1, "Citrix Secure Access", None), "citrix"),
    ((1, "helper", "/Applications/NetScaler Gateway.app/Contents/MacOS/helper"), "citrix"),
    ((1, "Pulse Secure", None), "pulse"),
    ((1, "dsAccessService", None), "pulse"),
    ((1, "Junos Pulse", None), "pulse"),
])
def test_vpn_clients_by_name_and_exe(row, key) -> None:
    assert [m.key for m in facts.vpn_clients(BASE + procs(row))] == [key]


def test_healthy_processes_match_nothing() -> None:
    assert facts.vpn_clients(BASE) == [] and facts.dns_tools(BASE) == [] and facts.little_snitch(BASE) == []


def test_tunnelblick_and_its_openvpn_are_fine() -> None:
    tb = procs((733, "openvpn", None),
               (1720, "Tunnelblick", "/Applications/Tunnelblick.app/Contents/MacOS/Tunnelblick"))
    assert facts.vpn_clients(BASE + tb) == []
    own = procs((733, "openvpn", "/Applications/Tunnelblick.app/Contents/Resources/openvpn/openvpn-2.6.12/openvpn"))
    assert facts.vpn_clients(BASE + own) == []
    # a root openvpn without Tunnelblick around is OpenVPN
    assert [m.key for m in facts.vpn_clients(BASE + procs((733, "openvpn", None)))] == ["openvpn"]


@pytest.mark.parametrize(("row", "key"), [
    ((1, "dnscrypt-proxy", None), "dnscrypt-proxy"),
    ((1, "dnscrypt-wrapper", None), "dnscrypt-wrapper"),
    ((1, "cloudflared", "/opt/homebrew/bin/cloudflared"), "cloudflared"),
    ((1, "dnsmasq", None), "dnsmasq"),
    ((1, "dns-updater", None), "umbrella"),
    ((1, "OpenDNS Roaming ", None), "umbrella"),
    ((1, "acumbrellaagent", None), "umbrella"),
])
def test_dns_tools(row, key) -> None:
    assert [m.key for m in facts.dns_tools(BASE + procs(row))] == [key]


def test_umbrellas_own_dnscrypt_proxy_is_umbrella() -> None:
    found = facts.dns_tools(BASE + procs((398, "dnscrypt-proxy", None), (1533, "UmbrellaMenu",
                            "/Applications/OpenDNS Roaming Client/UmbrellaMenu.app/Contents/MacOS/UmbrellaMenu")))
    assert {m.key for m in found} == {"umbrella"}
    assert str(found[0]).startswith("Cisco Umbrella Roaming Client (")


@pytest.mark.parametrize("row", [
    (611, "at.obdev.littlesnitch.networkextension", None),
    (1402, "Little Snitch Agent", None),
    (1403, "Agent", "/Applications/Little Snitch.app/Contents/Components/Little Snitch Agent.app/Contents/MacOS/Agent"),
])
def test_little_snitch(row) -> None:
    found = facts.little_snitch(BASE + procs(row))
    assert [m.pid for m in found] == [row[0]]


def test_process_json_oddities_are_tolerated() -> None:
    odd = [{"pid": "x", "name": None, "exe": ""}, "not a dict", {"name": "dnsmasq"}]
    assert [(m.key, m.pid) for m in facts.dns_tools(odd)] == [("dnsmasq", None)]
