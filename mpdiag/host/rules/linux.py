"""Linux host facts (QEMU driver): the Multipass bridges, their subnets, who holds
ports 53/67, and what the iptables chains do to the bridge's packets.

Pure functions over parsed probe data (no I/O).

Multipass on Linux (1.16.x, `qemu_platform_detail_linux.cpp`, `firewall_config.cpp`):
one bridge `mpqemubr0` (HEAD: one per zone, `mpqemubr<zone>`) with `10.X.Y.1/24`, one
dnsmasq child started with `--bind-interfaces --interface=<bridge> --listen-address=<.1>`
(DNS on `<.1>:53` udp+tcp, DHCP on `0.0.0.0:67` bound to the device), and iptables
rules commented `generated for Multipass network <bridge>`, inserted at the top of
filter INPUT/OUTPUT/FORWARD (plus two REJECTs appended to FORWARD).

The firewall checks do not pattern-match rules: they walk the chain the way netfilter
does for a concrete packet (an instance's DHCP discover, its DNS query, a new
outbound TCP connection and its reply), following jumps into user chains (Docker's
DOCKER-USER, ufw's ufw-before-input...) and ending in the chain's policy. Rules with
matches the walk cannot evaluate (`-m addrtype`, `-m set`, ...) are skipped and
reported as uncertain, never counted as an ACCEPT.

Longer than ~300 lines on purpose: the bridges, the port holders and the netfilter walk
are one reading of a QEMU host's networking; the walk's packets are built from the bridges.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from mpdiag.errors import ParseError
from mpdiag.parse.iproute import Link
from mpdiag.parse.iptables import BUILTIN_TARGETS, Rule, Ruleset
from mpdiag.parse.sockets import Socket

BRIDGE_RE = re.compile(r"^mpqemubr[A-Za-z0-9]*$")
DEFAULT_BRIDGE = "mpqemubr0"
COMMENT = "generated for Multipass network {bridge}"
UPLINK = "<uplink>"   # the host's outgoing interface: matches no named interface pattern
EXTERNAL = ipaddress.IPv4Address("1.1.1.1")


# ---- bridges and subnets -------------------------------------------------------------------

def is_multipass_bridge(name: str) -> bool:
    """`mpqemubr0` (1.16.x) or `mpqemubr<zone>` (HEAD: mpqemubrzone1...)."""
    return bool(BRIDGE_RE.match(name))


def multipass_bridges(links: Mapping[str, Link]) -> list[Link]:
    """The Multipass bridges among `ip -j addr`'s links, `mpqemubr0` first."""
    found = [l for n, l in links.items() if is_multipass_bridge(n)]
    return sorted(found, key=lambda l: (l.name != DEFAULT_BRIDGE, l.name))


def subnet_from_file(content: str) -> ipaddress.IPv4Network:
    """`multipass_subnet` holds the first three octets (`10.97.23`); a CIDR is accepted too."""
    text = content.strip()
    try:
        if re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}", text):
            return ipaddress.IPv4Network(f"{text}.0/24")
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError as exc:
        raise ParseError(f"multipass_subnet: not a subnet ({exc})", content) from exc


def gateway_of(subnet: ipaddress.IPv4Network) -> ipaddress.IPv4Interface:
    """Multipass gives the bridge the subnet's `.1`."""
    return ipaddress.IPv4Interface(f"{subnet.network_address + 1}/{subnet.prefixlen}")


@dataclass(frozen=True)
class Bridge:
    """A Multipass bridge as the checks see it: name, gateway address, whether the link exists/is up."""

    name: str
    gateway: ipaddress.IPv4Interface | None
    link: Link | None = None
    source: str = "ip addr"     # where the subnet came from: `ip addr` or `multipass_subnet`

    @property
    def subnet(self) -> ipaddress.IPv4Network | None:
        return self.gateway.network if self.gateway else None

    @property
    def ip(self) -> str | None:
        return str(self.gateway.ip) if self.gateway else None

    @property
    def host(self) -> ipaddress.IPv4Address:
        """An instance's address on this bridge (the first DHCP address, `.2`)."""
        assert self.subnet is not None
        return self.subnet.network_address + 2


def bridge_from_link(link: Link, file_subnet: ipaddress.IPv4Network | None = None) -> Bridge:
    """The bridge's gateway: the address in the `multipass_subnet` subnet if any, else its first IPv4."""
    addrs = list(link.addresses)
    if file_subnet is not None:
        inside = [a for a in addrs if a.ip in file_subnet]
        if inside:
            return Bridge(link.name, inside[0], link)
    return Bridge(link.name, addrs[0] if addrs else None, link)


# ---- sockets: Multipass's dnsmasq and the others on 53/67 -------------------------------------

def _mentions(cmdline: Iterable[str], bridge: Bridge) -> bool:
    args = " ".join(cmdline)
    return (re.search(rf"--interface[= ]{re.escape(bridge.name)}(?:\s|,|$)", args) is not None
            or (bridge.ip is not None and re.search(rf"--listen-address[= ]{re.escape(bridge.ip)}(?:\s|,|$)",
                                                     args) is not None))


def multipass_dnsmasq_pids(sockets: Iterable[Socket], bridge: Bridge) -> set[int]:
    """Pids of the dnsmasq that serves this bridge: its command line names the bridge or
    its address (`--interface=`, `--listen-address=`), or, without a command line, it is
    bound to the bridge's own address."""
    pids = set()
    for s in sockets:
        if s.pid is None or (s.name or "").split("/")[-1] != "dnsmasq":
            continue
        if s.cmdline is not None and _mentions(s.cmdline, bridge):
            pids.add(s.pid)
        elif s.cmdline is None and bridge.ip is not None and s.ip == bridge.ip:
            pids.add(s.pid)
    return pids


def on_port(sockets: Iterable[Socket], port: int, proto: str, ips: Iterable[str]) -> list[Socket]:
    ips = set(ips)
    return [s for s in sockets if s.port == port and s.proto == proto and s.ip in ips]


SERVICE_PORTS = (("DNS", 53, "udp"), ("DNS", 53, "tcp"), ("DHCP", 67, "udp"))


@dataclass(frozen=True)
class Conflict:
    socket: Socket
    service: str          # DNS | DHCP
    coexists: bool        # Multipass's dnsmasq holds the same port too (bound with SO_REUSEADDR / to the device)


def port_conflicts(sockets: list[Socket], bridge: Bridge, ours: set[int]) -> list[Conflict]:
    """Other processes on 53 (udp/tcp) or 67 (udp) at the bridge address or a wildcard.
    systemd-resolved on 127.0.0.53 is no conflict (neither address)."""
    where = {"0.0.0.0", "::"} | ({bridge.ip} if bridge.ip else set())
    out = []
    for service, port, proto in SERVICE_PORTS:
        holders = on_port(sockets, port, proto, where)
        ours_here = any(s.pid in ours for s in holders if s.pid is not None)
        for s in holders:
            if s.pid is not None and s.pid in ours:
                continue
            out.append(Conflict(s, service, ours_here and s.wildcard))
    return out


# ---- iptables: walk a chain for a concrete packet ------------------------------------------------

@dataclass(frozen=True)
class Packet:
    """What netfilter sees: interfaces, addresses, protocol, ports, conntrack state."""

    what: str
    in_iface: str | None
    out_iface: str | None
    src: ipaddress.IPv4Address
    dst: ipaddress.IPv4Address
    proto: str
    dport: int | None = None
    sport: int | None = None
    state: str = "NEW"


@dataclass
class Verdict:
    action: str                        # ACCEPT | DROP | REJECT | QUEUE
    rule: Rule | None = None           # the deciding rule; None: the chain's policy
    chain: str = ""
    uncertain: list[Rule] = field(default_factory=list)   # rules skipped (unknown matches)

    @property
    def accepted(self) -> bool:
        return self.action == "ACCEPT"

    @property
    def multipass(self) -> bool:
        """Decided by one of Multipass's own rules."""
        return bool(self.rule and self.rule.comment and self.rule.comment.startswith("generated for Multipass"))

    def describe(self) -> str:
        if self.rule is None:
            return f"the {self.chain} policy {self.action}"
        return f"rule `{self.rule.text}`"


def _iface(pattern: str | None, neg: bool, iface: str | None) -> bool:
    if pattern is None:
        return True
    if iface is None or iface == UPLINK:
        hit = False if pattern != "+" else iface is not None
    elif pattern.endswith("+"):
        hit = iface.startswith(pattern[:-1])
    else:
        hit = iface == pattern
    return hit != neg


def _addr(spec: str | None, neg: bool, ip: ipaddress.IPv4Address) -> bool | None:
    if spec is None:
        return True
    try:
        hit = ip in ipaddress.ip_network(spec, strict=False)
    except ValueError:
        return None   # a host name or an IPv6 spec in the v4 save: cannot evaluate
    return hit != neg


def _ports(ranges, neg: bool, port: int | None) -> bool:
    if ranges is None:
        return True
    if port is None:
        return False
    hit = any(lo <= port <= hi for lo, hi in ranges)
    return hit != neg


PROTO_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp"}


def matches(rule: Rule, p: Packet) -> bool | None:
    """True/False, or None when the rule has a match the walk cannot evaluate."""
    checks = [
        _iface(rule.in_iface, rule.in_neg, p.in_iface),
        _iface(rule.out_iface, rule.out_neg, p.out_iface),
    ]
    if not all(checks):
        return False
    for spec, neg, ip in ((rule.src, rule.src_neg, p.src), (rule.dst, rule.dst_neg, p.dst)):
        r = _addr(spec, neg, ip)
        if r is None:
            return None
        if not r:
            return False
    if rule.proto is not None and rule.proto != "all":
        proto = PROTO_NUMBERS.get(rule.proto, rule.proto)
        if (proto == p.proto) == rule.proto_neg:
            return False
    if not _ports(rule.dports, rule.dports_neg, p.dport) or not _ports(rule.sports, rule.sports_neg, p.sport):
        return False
    if rule.ctstate is not None:
        if (p.state in rule.ctstate) == rule.ctstate_neg:
            return False
    if rule.unknown:
        return None
    return True


def walk(rs: Ruleset, table: str, chain: str, p: Packet) -> Verdict:
    """The verdict a built-in chain gives this packet (no table/chain: ACCEPT, nothing filters)."""
    uncertain: list[Rule] = []
    res = _walk(rs, table, chain, p, uncertain, 0)
    if res is None:
        c = rs.chain(table, chain)
        policy = (c.policy if c and c.policy else "ACCEPT")
        return Verdict(policy, None, chain, uncertain)
    res.uncertain = uncertain
    return res


def _walk(rs: Ruleset, table: str, chain: str, p: Packet, uncertain: list[Rule], depth: int) -> Verdict | None:
    c = rs.chain(table, chain)
    if c is None or depth > 16:
        return None
    for rule in c.rules:
        m = matches(rule, p)
        if m is None:
            if rule.target in ("ACCEPT", "DROP", "REJECT") or (rule.target and rs.chain(table, rule.target)):
                uncertain.append(rule)
            continue
        if not m or rule.target is None:
            continue
        t = rule.target
        if t == "RETURN":
            return None
        if t in BUILTIN_TARGETS:
            return Verdict("DROP" if t == "DROP" else t, rule, chain)
        if rs.chain(table, t) is not None:
            sub = _walk(rs, table, t, p, uncertain, depth + 1)
            if sub is not None:
                return sub
            if rule.goto:
                return None
            continue
        # LOG, CHECKSUM, MARK, CT ...: non-terminating targets
    return None


def dhcp_packets(bridge: Bridge) -> list[Packet]:
    """An instance's DHCP discover and DNS queries to the gateway, as INPUT sees them."""
    assert bridge.gateway is not None
    gw = bridge.gateway.ip
    return [
        Packet("DHCP (udp 67)", bridge.name, None, ipaddress.IPv4Address("0.0.0.0"),
               ipaddress.IPv4Address("255.255.255.255"), "udp", 67, 68),
        Packet("DNS (udp 53)", bridge.name, None, bridge.host, gw, "udp", 53, 40000),
        Packet("DNS (tcp 53)", bridge.name, None, bridge.host, gw, "tcp", 53, 40000),
    ]


def forward_packets(bridge: Bridge) -> list[Packet]:
    """An instance's new outbound connection and the reply, as FORWARD sees them."""
    return [
        Packet("outbound (instance -> internet)", bridge.name, UPLINK, bridge.host, EXTERNAL, "tcp", 443, 40000),
        Packet("reply (internet -> instance)", UPLINK, bridge.name, EXTERNAL, bridge.host, "tcp", 40000, 443,
               "ESTABLISHED"),
    ]


def multipass_rules(rs: Ruleset, bridge: str) -> list[Rule]:
    """Every rule Multipass generated for this bridge (any table, any chain)."""
    tag = COMMENT.format(bridge=bridge)
    return [r for t in rs.tables.values() for c in t.chains.values() for r in c.rules if r.comment == tag]
