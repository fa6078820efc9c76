"""macOS host probes (names per design.md; stable once released)."""

from __future__ import annotations

from typing import Any, Callable

from mpdiag.probes import Probe, register
from mpdiag.parse.arp import parse_arp
from mpdiag.parse.dhcpd_leases import parse_leases
from mpdiag.parse.ifconfig import parse_ifconfig
from mpdiag.parse.iputils import PingResult, parse_ping, parse_ping_streams
from mpdiag.parse.lsof import parse_lsof
from mpdiag.parse.netstat import parse_netstat_routes
from mpdiag.parse.pfctl import parse_pf_nat
from mpdiag.parse.plist import parse_defaults
from mpdiag.parse.socketfilterfw import parse_appblocked, parse_firewall_state, parse_listapps
from mpdiag.parse.sw_vers import parse_sw_vers
from mpdiag.parse.text import decode
from mpdiag.parse.unavailable import Absent, Denied, no_such_file, stderr_says
from mpdiag.runner import CommandResult

MACOS = frozenset({"macos"})
SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"
VMNET_PLIST = "/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist"
LEASES = "/var/db/dhcpd_leases"
MULTIPASSD_LOG = "/Library/Logs/Multipass/multipassd.log"


PING_RCS = frozenset({0, 1, 2, 68})  # replies, none, other error, unknown host: each has counts or words


def _ping_with_stderr(res: CommandResult) -> PingResult | None:
    """A ping's counts with the words of both streams (BSD ping says `ping: sendto: No route to
    host` on stderr)."""
    if res.rc not in PING_RCS:
        return None
    return parse_ping_streams(res.text, res.error_text)


def _p(name: str, parse: Callable[[str], Any], argv: tuple[str, ...], **kw) -> Probe:
    return Probe(name, MACOS, parse, argv, **kw)


register(
    _p("lsof_udp67", parse_lsof, ("lsof", "-iUDP:67", "-n", "-P"),
       privileged=True, data_rcs=frozenset({0, 1}), description="who holds the DHCP port"),
    _p("lsof_port53", parse_lsof, ("lsof", "-iTCP:53", "-iUDP:53", "-n", "-P"),
       privileged=True, data_rcs=frozenset({0, 1}), description="who holds the DNS port"),
    _p("netstat_routes", parse_netstat_routes, ("netstat", "-rn", "-f", "inet"),
       description="IPv4 routing table"),
    _p("ifconfig", parse_ifconfig, ("ifconfig", "-a"), description="interfaces"),
    _p("arp_table", parse_arp, ("arp", "-an"), description="ARP cache"),
    _p("firewall_global", parse_firewall_state,
       (SOCKETFILTERFW, "--getglobalstate"), description="application firewall on/off"),
    _p("firewall_blockall", parse_firewall_state,
       (SOCKETFILTERFW, "--getblockall"), description="block all incoming"),
    _p("firewall_stealth", parse_firewall_state,
       (SOCKETFILTERFW, "--getstealthmode"), description="stealth mode (drops ICMP)"),
    _p("firewall_bootpd", parse_appblocked,
       (SOCKETFILTERFW, "--getappblocked", "/usr/libexec/bootpd"), description="is bootpd blocked"),
    _p("firewall_apps", parse_listapps,
       (SOCKETFILTERFW, "--listapps"), description="per-app firewall rules"),
    _p("pf_nat", parse_pf_nat, ("pfctl", "-s", "nat"), privileged=True,
       description="pf NAT rules"),
    _p("vmnet_plist", parse_defaults, ("defaults", "read", VMNET_PLIST),
       readers=(stderr_says(Absent, "does not exist"),), description="Shared_Net_Address and mask"),
    _p("dhcpd_leases", parse_leases, ("cat", LEASES), readers=(no_such_file(LEASES),),
       description="bootpd's leases"),
    _p("multipassd_log", decode, ("tail", "-n", "2000", MULTIPASSD_LOG), privileged=True,
       readers=(no_such_file(MULTIPASSD_LOG),
                stderr_says(Denied, "Permission denied", "Operation not permitted", whole=True)),
       description="the end of multipassd's log (known failure signatures)"),
    _p("sw_vers", parse_sw_vers, ("sw_vers",), description="macOS version"),
    _p("ping_instance_user", parse_ping, ("ping", "-c", "1", "-t", "2", "{ip}"), readers=(_ping_with_stderr,),
       data_rcs=PING_RCS, description="the instance, pinged as the user (Local Network privacy)"),
    _p("ping_instance_root", parse_ping, ("ping", "-c", "1", "-t", "2", "{ip}"), readers=(_ping_with_stderr,),
       privileged=True, data_rcs=PING_RCS, description="the instance, pinged as root"),
)
