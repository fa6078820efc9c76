"""macOS host probes (names per design.md; stable once released)."""

from __future__ import annotations

from mpdiag.probes import Probe, register

MACOS = frozenset({"macos"})
SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"
VMNET_PLIST = "/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist"
LEASES = "/var/db/dhcpd_leases"
MULTIPASSD_LOG = "/Library/Logs/Multipass/multipassd.log"


def _p(name: str, parse: str, argv: tuple[str, ...], **kw) -> Probe:
    return Probe(name, MACOS, parse, argv, **kw)


register(
    _p("lsof_udp67", "mpdiag.parse.lsof:parse_lsof", ("lsof", "-iUDP:67", "-n", "-P"),
       privileged=True, data_rcs=frozenset({0, 1}), description="who holds the DHCP port"),
    _p("lsof_port53", "mpdiag.parse.lsof:parse_lsof", ("lsof", "-iTCP:53", "-iUDP:53", "-n", "-P"),
       privileged=True, data_rcs=frozenset({0, 1}), description="who holds the DNS port"),
    _p("netstat_routes", "mpdiag.parse.netstat:parse_netstat_routes", ("netstat", "-rn", "-f", "inet"),
       description="IPv4 routing table"),
    _p("ifconfig", "mpdiag.parse.ifconfig:parse_ifconfig", ("ifconfig", "-a"), description="interfaces"),
    _p("arp_table", "mpdiag.parse.arp:parse_arp", ("arp", "-an"), description="ARP cache"),
    _p("firewall_global", "mpdiag.parse.socketfilterfw:parse_firewall_state",
       (SOCKETFILTERFW, "--getglobalstate"), description="application firewall on/off"),
    _p("firewall_blockall", "mpdiag.parse.socketfilterfw:parse_firewall_state",
       (SOCKETFILTERFW, "--getblockall"), description="block all incoming"),
    _p("firewall_stealth", "mpdiag.parse.socketfilterfw:parse_firewall_state",
       (SOCKETFILTERFW, "--getstealthmode"), description="stealth mode (drops ICMP)"),
    _p("firewall_bootpd", "mpdiag.parse.socketfilterfw:parse_appblocked",
       (SOCKETFILTERFW, "--getappblocked", "/usr/libexec/bootpd"), description="is bootpd blocked"),
    _p("firewall_apps", "mpdiag.parse.socketfilterfw:parse_listapps",
       (SOCKETFILTERFW, "--listapps"), description="per-app firewall rules"),
    _p("pf_nat", "mpdiag.parse.pfctl:parse_pf_nat", ("pfctl", "-s", "nat"), privileged=True,
       description="pf NAT rules"),
    _p("vmnet_plist", "mpdiag.parse.plist:parse_defaults", ("defaults", "read", VMNET_PLIST),
       data_rcs=frozenset({0}), description="Shared_Net_Address and mask"),
    _p("dhcpd_leases", "mpdiag.parse.dhcpd_leases:parse_leases", ("cat", LEASES),
       description="bootpd's leases"),
    _p("multipassd_log", "mpdiag.parse.text:decode", ("tail", "-n", "2000", MULTIPASSD_LOG), privileged=True,
       description="the end of multipassd's log (known failure signatures)"),
    _p("sw_vers", "mpdiag.parse.sw_vers:parse_sw_vers", ("sw_vers",), description="macOS version"),
    _p("ping_instance_user", "mpdiag.parse.iputils:parse_ping", ("ping", "-c", "1", "-t", "2", "{ip}"),
       data_rcs=frozenset({0, 1, 2, 68}), description="the instance, pinged as the user (Local Network privacy)"),
    _p("ping_instance_root", "mpdiag.parse.iputils:parse_ping", ("ping", "-c", "1", "-t", "2", "{ip}"),
       privileged=True, data_rcs=frozenset({0, 1, 2, 68}), description="the instance, pinged as root"),
)
