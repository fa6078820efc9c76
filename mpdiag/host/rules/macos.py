"""macOS facts over parsed probe data: the live vmnet subnet, who holds ports 53 and 67,
VPN interfaces, and the known interfering tools (VPN clients, DNS tools, Little Snitch).

Pure functions of the parsers' dataclasses and of the `processes` probe's JSON
(`[{"pid", "name", "exe"}]`); nothing here runs a command.

Findings the functions rely on:
- The vmnet bridge is a `bridgeN` (N >= 100) with an IPv4 address whose members are
  the instances' `vmenetN` interfaces. Other vmnet users (Docker Desktop, UTM, Lima)
  create more of them (bridge100, bridge101...), so the one holding a Running
  instance's address wins. `bridge0` is the Thunderbolt bridge, never vmnet's.
- Multipass <= 1.16.1 uses vmnet's own subnet (`Shared_Net_Address` in
  com.apple.vmnet.plist, 192.168.64.0/24 by default); 1.16.2+ passes
  `start-address=192.168.252.1` to vmnet itself, so the plist no longer decides.
- lsof cuts command names to 9 characters (`mDNSRespo`, `dnscrypt-`, `cloudflar`);
  psutil cuts macOS names to 16 (`Cisco Secure Cli`) and gives no `exe` for another
  user's (root's) process. Names are therefore matched by prefix, exe paths when known.
- Tunnelblick runs its own `openvpn`, which the guide says is fine: an `openvpn` whose
  exe is inside Tunnelblick.app, or whose exe is hidden (root) while Tunnelblick runs,
  is not reported.
- The Cisco Umbrella Roaming Client runs a `dnscrypt-proxy` of its own (under
  `/Applications/OpenDNS Roaming Client/`): by exe it is Umbrella, with Umbrella's fix.

Longer than ~300 lines on purpose: the vmnet subnet, the port holders and the tool
tables (VPN clients, DNS tools, Little Snitch) share the name-matching rules above.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from mpdiag.parse.ifconfig import Interface
from mpdiag.parse.lsof import LsofEntry, listeners_on
from mpdiag.parse.multipass import Instance

__all__ = [
    "FORCED_SUBNET",
    "FORCED_SUBNET_SINCE",
    "VmnetSubnet",
    "vmnet_bridges",
    "live_subnet",
    "plist_subnet",
    "is_vpn_interface",
    "vpn_interfaces",
    "is_mdnsresponder",
    "port53_squatters",
    "port67_holders",
    "DHCP_OK",
    "ProcessMatch",
    "vpn_clients",
    "dns_tools",
    "little_snitch",
    "tool_for_lsof_command",
    "port53_fix",
    "PORT53_FIXES",
    "describe",
    "describe_all",
]

Network = ipaddress.IPv4Network
Address = ipaddress.IPv4Address

FORCED_SUBNET = ipaddress.IPv4Network("192.168.252.0/24")
FORCED_SUBNET_SINCE = (1, 16, 2)  # Multipass passes start-address=192.168.252.1 to vmnet

_BRIDGE = re.compile(r"^bridge([0-9]+)$")
_VPN_IF = re.compile(r"^(?:utun|ppp|ipsec|tun)[0-9]+$")


# --- the subnet -----------------------------------------------------------------------


@dataclass(frozen=True)
class VmnetSubnet:
    """The instances' subnet as found on the live system.

    `source` says where it came from: `bridge` (the vmnet bridge's address), `plist`
    (Shared_Net_Address/Mask), `instances` (a Running instance's IP, as /24) or
    `multipass` (1.16.2+ forces 192.168.252.0/24)."""

    network: Network
    gateway: Address | None
    bridge: str | None
    source: str

    def __str__(self) -> str:
        return str(self.network)


def vmnet_bridges(interfaces: Mapping[str, Interface]) -> list[Interface]:
    """The vmnet bridges: `bridgeN` with an IPv4 address and `vmenet*` members, else
    (older hypervisors, pastes without members) `bridgeN` with N >= 100 and an address."""
    with_address = [i for i in interfaces.values() if _BRIDGE.match(i.name) and i.inet]
    vmenet = [i for i in with_address if any(m.startswith("vmenet") for m in i.members)]
    if vmenet:
        return vmenet
    return [i for i in with_address if int(_BRIDGE.match(i.name).group(1)) >= 100]  # type: ignore[union-attr]


def plist_subnet(plist: Mapping[str, Any] | None) -> tuple[Address, Network] | None:
    """(Shared_Net_Address, its network) from com.apple.vmnet.plist; None when unset or
    unreadable. A missing mask means vmnet's default /24."""
    if not plist or "Shared_Net_Address" not in plist:
        return None
    try:
        address = ipaddress.IPv4Address(str(plist["Shared_Net_Address"]).strip())
        mask = str(plist.get("Shared_Net_Mask") or "255.255.255.0").strip()
        network = ipaddress.IPv4Interface(f"{address}/{mask}").network
    except ValueError:
        return None
    return address, network


def _first_ips(instances: Iterable[Instance]) -> list[Address]:
    out = []
    for inst in instances:
        if inst.running and inst.ipv4:
            try:
                out.append(ipaddress.IPv4Address(inst.ipv4[0]))
            except ValueError:
                continue
    return out


def live_subnet(
    interfaces: Mapping[str, Interface] | None,
    plist: Mapping[str, Any] | None = None,
    instances: Sequence[Instance] = (),
    multipass_version: tuple[int, int, int] | None = None,
) -> VmnetSubnet | None:
    """The instances' subnet, never hard-coded: the vmnet bridge (the one holding a
    Running instance's IP, else the one in Multipass's forced subnet on 1.16.2+, else
    the plist's, else the first), else Shared_Net_Address/Mask (up to 1.16.1: later
    releases ignore it), else a Running instance's IP as /24, else (1.16.2+) the
    subnet Multipass forces. None when nothing tells."""
    ips = _first_ips(instances)
    forced = multipass_version is not None and multipass_version >= FORCED_SUBNET_SINCE
    from_plist = None if forced else plist_subnet(plist)
    bridges = vmnet_bridges(interfaces or {})
    if bridges:
        def rank(b: Interface) -> tuple[int, int, int, int]:
            nets = [a.network for a in b.inet]
            holds_instance = any(ip in n for ip in ips for n in nets)
            in_forced = forced and FORCED_SUBNET in nets
            in_plist = from_plist is not None and from_plist[1] in nets
            return (not holds_instance, not in_forced, not in_plist, int(b.name[len("bridge"):]))

        best = min(bridges, key=rank)
        iface = next((a for a in best.inet if any(ip in a.network for ip in ips)), best.inet[0])
        return VmnetSubnet(iface.network, iface.ip, best.name, "bridge")
    if from_plist is not None:
        address, network = from_plist
        return VmnetSubnet(network, address, None, "plist")
    if ips:
        network = ipaddress.IPv4Network(f"{ips[0]}/24", strict=False)
        return VmnetSubnet(network, network.network_address + 1, None, "instances")
    if forced:
        return VmnetSubnet(FORCED_SUBNET, FORCED_SUBNET.network_address + 1, None, "multipass")
    return None


# --- interfaces -----------------------------------------------------------------------


def is_vpn_interface(name: str) -> bool:
    """`utunN`, `pppN`, `ipsecN`, `tunN`: where VPN clients route traffic."""
    return bool(_VPN_IF.match(name or ""))


def vpn_interfaces(interfaces: Mapping[str, Interface]) -> list[Interface]:
    """VPN interfaces that are up with an IPv4 address (macOS keeps several idle utunN
    with IPv6 link-local only for its own services: those are not VPNs)."""
    return [i for i in interfaces.values() if is_vpn_interface(i.name) and i.up and i.inet]


# --- ports ----------------------------------------------------------------------------

DHCP_OK = ("launchd", "bootpd")


def is_mdnsresponder(command: str) -> bool:
    """lsof prints mDNSResponder as `mDNSRespo` (9 characters)."""
    name = command.strip().lower()
    return len(name) >= 5 and "mdnsresponder".startswith(name)


def port53_squatters(entries: Sequence[LsofEntry]) -> list[LsofEntry]:
    """Rows holding port 53 (TCP LISTEN or unconnected UDP) by anything but mDNSResponder."""
    return [e for e in listeners_on(list(entries), 53) if not is_mdnsresponder(e.command)]


def port67_holders(entries: Sequence[LsofEntry]) -> tuple[list[LsofEntry], list[LsofEntry]]:
    """(launchd/bootpd rows, other rows) holding UDP 67."""
    rows = listeners_on(list(entries), 67)
    ok = [e for e in rows if e.command in DHCP_OK]
    return ok, [e for e in rows if e.command not in DHCP_OK]


# --- processes ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessMatch:
    """A running process of a known tool: `tool` is its display name, `key` its fix key."""

    tool: str
    key: str
    pid: int | None
    name: str
    exe: str | None

    def __str__(self) -> str:
        return f"{self.tool} ({self.name}, pid {self.pid})"


# (key, display name, name prefixes, exe substrings), all lower-case. Order matters:
# the first rule that matches wins (Umbrella's bundled dnscrypt-proxy before dnscrypt-proxy).
_VPN_RULES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("openvpn", "OpenVPN", ("openvpn", "ovpnagent", "agent_ovpnconnect"), ("openvpn",)),
    ("f5", "F5 BIG-IP Edge Client", ("f5", "big-ip edge", "svpn"), ("/f5 ", "f5 networks", "big-ip edge")),
    ("sonicwall", "Dell SonicWall", ("netextender", "sonicwall"), ("sonicwall", "netextender")),
    ("anyconnect", "Cisco AnyConnect / Secure Client",
     ("vpnagentd", "cisco anyconnect", "cisco secure client", "acvpnagent"),
     ("/opt/cisco/anyconnect/", "cisco anyconnect", "/opt/cisco/secureclient/bin/vpnagentd")),
    ("citrix", "Citrix/NetScaler Gateway",
     ("citrix secure access", "citrix gateway", "netscaler gateway", "nsgclient", "nsgcepa"),
     ("citrix secure access", "netscaler gateway", "citrix gateway")),
    ("pulse", "Pulse Secure / Junos Pulse",
     ("pulse secure", "pulsetray", "dsaccessservice", "junos pulse", "ivanti secure access"),
     ("pulse secure", "junos pulse", "ivanti secure access")),
)
_DNS_RULES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("umbrella", "Cisco Umbrella Roaming Client",
     ("umbrella", "opendns", "dns-updater", "acumbrellaagent", "ercservice"),
     ("opendns roaming client", "/umbrella", "acumbrellaagent")),
    ("dnscrypt-proxy", "dnscrypt-proxy", ("dnscrypt-proxy",), ("/dnscrypt-proxy",)),
    ("dnscrypt-wrapper", "dnscrypt-wrapper", ("dnscrypt-wrapper",), ("/dnscrypt-wrapper",)),
    ("cloudflared", "cloudflared", ("cloudflared",), ("/cloudflared",)),
    ("dnsmasq", "dnsmasq", ("dnsmasq",), ("/dnsmasq",)),
)
_SNITCH_RULES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("little_snitch", "Little Snitch", ("little snitch", "at.obdev.littlesnitch", "littlesnitch"),
     ("little snitch", "at.obdev.littlesnitch")),
)


def _procs(processes: Iterable[Mapping[str, Any]]) -> list[tuple[int | None, str, str | None]]:
    out = []
    for p in processes or ():
        if not isinstance(p, Mapping):
            continue
        pid = p.get("pid")
        exe = p.get("exe")
        out.append((pid if isinstance(pid, int) else None, str(p.get("name") or ""),
                    exe if isinstance(exe, str) and exe else None))
    return out


def _classify(name: str, exe: str | None, rules) -> tuple[str, str] | None:
    lname, lexe = name.lower(), (exe or "").lower()
    cut = len(lname) >= 15  # psutil's macOS names stop at 16 characters: `Cisco Secure Cli`
    for key, tool, prefixes, exe_parts in rules:
        if (any(lname.startswith(p) or (cut and p.startswith(lname.rstrip())) for p in prefixes)
                or any(part in lexe for part in exe_parts)):
            return key, tool
    return None


def _matches(processes, rules, skip=lambda pid, name, exe: False) -> list[ProcessMatch]:
    found = []
    for pid, name, exe in _procs(processes):
        if skip(pid, name, exe):
            continue
        hit = _classify(name, exe, rules)
        if hit is not None:
            found.append(ProcessMatch(hit[1], hit[0], pid, name, exe))
    return found


def vpn_clients(processes: Iterable[Mapping[str, Any]]) -> list[ProcessMatch]:
    """Running VPN clients the guide names; Tunnelblick (and its openvpn) is fine."""
    procs = _procs(processes)
    tunnelblick = any(n.lower().startswith("tunnelblick") or "tunnelblick.app" in (e or "").lower()
                      for _, n, e in procs)

    def skip(pid, name, exe):
        lname, lexe = name.lower(), (exe or "").lower()
        if "tunnelblick" in lname or "tunnelblick.app/" in lexe:
            return True
        # Tunnelblick's openvpn runs as root: psutil shows no exe for it
        return lname.startswith("openvpn") and exe is None and tunnelblick

    return _matches(processes, _VPN_RULES, skip)


def dns_tools(processes: Iterable[Mapping[str, Any]]) -> list[ProcessMatch]:
    """Running DNS tools that bind port 53 by default (Umbrella, dnscrypt, cloudflared, dnsmasq).
    A root dnscrypt-proxy (no exe) while Umbrella runs is Umbrella's own."""
    found = _matches(processes, _DNS_RULES)
    if any(m.key == "umbrella" for m in found):
        umbrella = _DNS_RULES[0][1]
        found = [ProcessMatch(umbrella, "umbrella", m.pid, m.name, m.exe)
                 if m.key == "dnscrypt-proxy" and m.exe is None else m for m in found]
    return found


def little_snitch(processes: Iterable[Mapping[str, Any]]) -> list[ProcessMatch]:
    """Little Snitch's processes (agent, daemon, network extension)."""
    return _matches(processes, _SNITCH_RULES)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_LSOF_NAMES: tuple[tuple[str, str], ...] = (
    ("dnscrypt-proxy", "dnscrypt-proxy"), ("dnscrypt-wrapper", "dnscrypt-wrapper"),
    ("cloudflared", "cloudflared"), ("dnsmasq", "dnsmasq"), ("dns-updater", "umbrella"),
    ("acumbrellaagent", "umbrella"), ("umbrella", "umbrella"), ("opendns", "umbrella"),
)


def tool_for_lsof_command(command: str, processes: Iterable[Mapping[str, Any]] = (),
                          pid: int | None = None) -> str | None:
    """The fix key of a port-53 squatter: by its process (full name and exe, found by
    pid) when known, else by lsof's (cut) command name. None for an unknown program."""
    procs = _procs(processes)
    umbrella = any(_classify(n, e, _DNS_RULES[:1]) for _, n, e in procs)
    for p_pid, name, exe in procs:
        if pid is not None and p_pid == pid:
            hit = _classify(name, exe, _DNS_RULES)
            if hit is not None:
                # Umbrella's own dnscrypt-proxy runs as root: no exe to tell, but Umbrella runs
                if hit[0] == "dnscrypt-proxy" and exe is None and umbrella:
                    return "umbrella"
                return hit[0]
    short = _norm(command)
    if not short:
        return None
    for full, key in _LSOF_NAMES:
        if _norm(full).startswith(short) or short.startswith(_norm(full)):
            return key
    return None


UMBRELLA_ARTICLE = ("https://support.umbrella.com/hc/en-us/articles/"
                    "230561007-Umbrella-Roaming-Client-OS-X-and-Internet-Sharing")

# Port 5053 in the examples, not 5353: mDNSResponder itself holds *:5353 (Bonjour).
PORT53_FIXES: dict[str, str] = {
    "umbrella": ("Cisco Umbrella Roaming Client binds localhost:53, which clashes with Internet Sharing: "
                 f"follow Umbrella's article 'Umbrella Roaming Client OS X and Internet Sharing' ({UMBRELLA_ARTICLE})."),
    "dnscrypt-proxy": ("dnscrypt-proxy's default configuration binds port 53: move it off, e.g. "
                       "`listen_addresses = ['127.0.0.1:5053']` in dnscrypt-proxy.toml, restart it "
                       "(`sudo brew services restart dnscrypt-proxy`) and point your resolver at it."),
    "dnscrypt-wrapper": ("dnscrypt-wrapper listens on port 53: start it with another listen address, e.g. "
                         "`--listen-address=127.0.0.1:5053`."),
    "cloudflared": ("cloudflared's DNS proxy binds port 53: run it on another port, e.g. "
                    "`cloudflared proxy-dns --port 5053` (or `proxy-dns-port: 5053` in its config.yml)."),
    "dnsmasq": ("This dnsmasq binds port 53 on every interface: in dnsmasq.conf set `bind-interfaces` with "
                "`listen-address=127.0.0.1` and `except-interface={bridge}` so it stays off the vmnet bridge "
                "(or move it off 53 with `port=5053`), then restart it."),
}
_GENERIC_FIX = ("Stop {process} or move it off port 53; nothing but mDNSResponder may hold it while instances run.")


def port53_fix(key: str | None, process: str = "it", bridge: str = "the vmnet bridge") -> str:
    """The tool-specific port-53 fix (the guide's list), or the generic one."""
    template = PORT53_FIXES.get(key or "", _GENERIC_FIX)
    return template.replace("{bridge}", bridge).replace("{process}", process)


def describe(entry: LsofEntry) -> str:
    """`dnscrypt- (pid 412, user root) on UDP 127.0.0.1:53`: what a check names."""
    return f"{entry.command} (pid {entry.pid}, user {entry.user}) on {entry.protocol} {entry.address}:{entry.port}"


def describe_all(entries: Sequence[LsofEntry]) -> str:
    """One phrase per process: `dnscrypt- (pid 412, user root) on UDP 127.0.0.1:53, TCP 127.0.0.1:53`."""
    groups: dict[tuple[str, int], list[LsofEntry]] = {}
    for e in entries:
        groups.setdefault((e.command, e.pid), []).append(e)
    phrases = []
    for (command, pid), rows in groups.items():
        socks = list(dict.fromkeys(f"{e.protocol} {e.address}:{e.port}" for e in rows))
        phrases.append(f"{command} (pid {pid}, user {rows[0].user}) on {', '.join(socks)}")
    return "; ".join(phrases)
