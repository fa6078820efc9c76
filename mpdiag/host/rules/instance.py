"""Facts about an instance, derived from parsed probe data (pure: no probes run here).

- which addresses are "no IP" in `multipass list`/`info` across releases,
- the subnet an instance should be in,
- the bogus ranges an intercepted DNS answer falls in,
- a free address for the ARP check's alias (and the alias itself),
- the host interface (bridge) that faces an instance.
"""

from __future__ import annotations

import ipaddress
from typing import Iterable, Mapping

from mpdiag.parse.iproute import Link
from mpdiag.parse.multipass import Instance


def _ranges(kind, ranges: tuple[tuple[str, str], ...]) -> tuple:
    """(network, why) pairs from (CIDR, why) pairs."""
    return tuple((kind(net), why) for net, why in ranges)


# Where a public name must never resolve: DNS-intercepting security software answers
# from 198.18.0.0/15 (Fortinet and others use the benchmark range), sinkholes answer
# 0.0.0.0 or 127.0.0.1. Private and documentation ranges are NOT here: internal names
# (and the lab's TEST-NET answers) legitimately resolve there.
BOGUS_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = _ranges(ipaddress.IPv4Network, (
    ("198.18.0.0/15", "the benchmarking range 198.18.0.0/15 (DNS interception, e.g. Fortinet)"),
    ("0.0.0.0/8", "0.0.0.0/8 (\"this network\": a sinkhole answer)"),
    ("127.0.0.0/8", "loopback 127.0.0.0/8 (a sinkhole answer)"),
    ("169.254.0.0/16", "link-local 169.254.0.0/16"),
    ("224.0.0.0/4", "multicast 224.0.0.0/4"),
    ("240.0.0.0/4", "reserved 240.0.0.0/4"),
))
BOGUS_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = _ranges(ipaddress.IPv6Network, (
    ("::/128", "the unspecified address ::"),
    ("::1/128", "loopback ::1 (a sinkhole answer)"),
    ("fe80::/10", "link-local fe80::/10"),
    ("ff00::/8", "multicast ff00::/8"),
))


def bogus_reason(address: str) -> str | None:
    """Why an answer cannot be a public name's real address, or None when it could be."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an address"
    table = BOGUS_V4 if ip.version == 4 else BOGUS_V6
    for net, why in table:
        if ip in net:
            return why
    return None


def management_ip(inst: Instance | None) -> str | None:
    """The first IPv4 Multipass reports (the management address; the parser keeps real ones only)."""
    return inst.ipv4[0] if inst is not None and inst.ipv4 else None


def find_instance(instances: Iterable[Instance], name: str) -> Instance | None:
    return next((i for i in instances if i.name == name), None)


def usable_subnet(value: object) -> ipaddress.IPv4Network | None:
    """A subnet fact (string or network) as a network, None when absent or unreadable."""
    if value is None:
        return None
    try:
        return ipaddress.IPv4Network(str(value), strict=False)
    except ValueError:
        return None


def implausible_ip(address: str) -> str | None:
    """Why an instance address cannot come from Multipass's DHCP (link-local means DHCP never
    answered; 10.0.2.15 is VirtualBox's NAT address the host cannot reach)."""
    ip = ipaddress.IPv4Address(address)
    if ip.is_link_local:
        return "a link-local 169.254.x.x address (no DHCP answer)"
    if ip.is_unspecified or ip.is_loopback:
        return "not a usable address"
    return None


def pick_alias(subnet: ipaddress.IPv4Network, taken: Iterable[str]) -> str | None:
    """A free address for the ARP check's alias: from the top of the subnet down (DHCP pools
    fill from the bottom), never the network, broadcast, gateway or a known address."""
    used = {ipaddress.IPv4Address(t) for t in taken if t}
    hosts = list(subnet.hosts())
    for ip in reversed(hosts[-60:] if len(hosts) > 60 else hosts):
        if ip in used or int(ip) & 0xFF in (0, 1, 255):
            continue
        return str(ip)
    return None


def arp_alias(link: Link, management_ip: str, taken: Iterable[str]) -> tuple[str, str] | None:
    """The ARP check's test alias on `link` (address, CIDR): a free address in the management
    address's network, beside every address of the link and `taken` (the other instances',
    the gateway). The check and the prefetch that adds it ahead of the check both ask here,
    so both add the same one. None: no address is free."""
    network = alias_network(link, management_ip)
    ip = pick_alias(network, [*(str(a.ip) for a in link.addresses), *taken])
    return (ip, f"{ip}/{network.prefixlen}") if ip is not None else None


def taken_beside_the_link(instances: Iterable[Instance], gateway: str | None) -> list[str]:
    """What the ARP check's alias must not take beside its link's own addresses: every listed
    instance's IPv4 and the gateway (arp_alias's `taken`, for the check and the prefetch alike)."""
    return [ip for i in instances for ip in i.ipv4] + ([gateway] if gateway else [])


def alias_network(link: Link, management_ip: str) -> ipaddress.IPv4Network:
    """The network the ARP check's alias goes in: the management address's on `link` (its first
    address's when the link does not hold it)."""
    return next((a for a in link.addresses if str(a.ip) == management_ip), link.addresses[0]).network


def bridge_facing(interfaces: Mapping[str, Iterable[ipaddress.IPv4Interface]],
                  instance_ip: str) -> tuple[str, ipaddress.IPv4Interface] | None:
    """The host interface whose IPv4 network holds the instance's address (the vmnet bridge,
    mpqemubr0, the Default Switch): (name, its address)."""
    ip = ipaddress.IPv4Address(instance_ip)
    best: tuple[str, ipaddress.IPv4Interface] | None = None
    for name, addrs in interfaces.items():
        for a in addrs:
            if ip in a.network and a.ip != ip and a.network.prefixlen < 32:
                if best is None or a.network.prefixlen > best[1].network.prefixlen:
                    best = (name, a)
    return best
