"""`netstat -rn [-f inet]` (macOS): the IPv4 routing table.

The routing check asks which interface the instance subnet leaves by: the vmnet
`bridgeN` or a VPN `utunN`/`ppp0`/`ipsec0`. Both column layouts are read (older macOS
prints `Refs Use` between Flags and Netif, newer does not); the `Internet6:` section and
any IPv6 row are dropped. Rows cut short by a truncated paste are skipped.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_MAC = re.compile(r"[0-9a-fA-F]{1,2}([:.])[0-9a-fA-F]{1,2}(?:\1[0-9a-fA-F]{1,2}){4}")
_FLAGS = re.compile(r"[A-Za-z0-9]{1,20}")
_DEST = re.compile(r"([0-9]{1,3}(?:\.[0-9]{1,3}){0,3})(?:/([0-9]{1,2}))?")


@dataclass(frozen=True)
class Route:
    """One IPv4 route row as netstat prints it; `network` decodes the destination."""

    destination: str
    gateway: str
    flags: str
    netif: str
    expire: str | None

    @property
    def network(self) -> ipaddress.IPv4Network | None:
        """`default` -> 0/0; `192.168.64` -> /24, `169.254` -> /16, `127` -> /8
        (netstat drops zero octets and the mask when it is the classful one);
        `10.1.200/24`, `128.0/1` explicit; four octets without a mask -> host /32."""
        return _network(self.destination)

    @property
    def scoped(self) -> bool:
        """`I` (RTF_IFSCOPE): used only by sockets bound to `netif`, not by routing."""
        return "I" in self.flags

    @property
    def gateway_ip(self) -> ipaddress.IPv4Address | None:
        """The next hop when it is an address (not `link#N` or a MAC)."""
        try:
            return ipaddress.IPv4Address(self.gateway)
        except ValueError:
            return None


def parse_netstat_routes(text: str) -> list[Route]:
    """IPv4 routes in table order. ParseError if no route row is found at all."""
    routes: list[Route] = []
    ipv6_section = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("Internet6:"):
            ipv6_section = True
        elif stripped.startswith("Internet:"):
            ipv6_section = False
        elif not ipv6_section:
            route = _parse_row(stripped.split())
            if route is not None:
                routes.append(route)
    if not routes:
        raise ParseError("no IPv4 route found in netstat output", text)
    return routes


def route_for(routes: list[Route], ip: str | ipaddress.IPv4Address) -> Route | None:
    """The route macOS picks for `ip`: longest prefix among unscoped, up routes
    (first in table order on a tie). None when nothing matches or `ip` is not IPv4."""
    try:
        addr = ipaddress.IPv4Address(ip)
    except ValueError:
        return None
    best: Route | None = None
    best_len = -1
    for route in routes:
        net = route.network
        if net is None or route.scoped or "U" not in route.flags:
            continue
        if addr in net and net.prefixlen > best_len:
            best, best_len = route, net.prefixlen
    return best


def _parse_row(tokens: list[str]) -> Route | None:
    if len(tokens) < 4 or len(tokens) > 7:
        return None
    dest, gateway, flags = tokens[0], tokens[1], tokens[2]
    if not _FLAGS.fullmatch(flags) or _network(dest) is None:
        return None
    if ":" in gateway and not _MAC.fullmatch(gateway):
        return None  # IPv6 next hop (an IPv6 default route pasted without sections)
    rest = tokens[3:]
    if rest[0].isdigit():  # Refs Use Netif [Expire]
        if len(rest) < 3 or not rest[1].isdigit():
            return None
        rest = rest[2:]
    if len(rest) > 2 or rest[0].isdigit() or not rest[0].isascii():
        return None
    return Route(dest, gateway, flags, rest[0], rest[1] if len(rest) > 1 else None)


def _network(dest: str) -> ipaddress.IPv4Network | None:
    if dest == "default":
        return ipaddress.IPv4Network("0.0.0.0/0")
    m = _DEST.fullmatch(dest)
    if m is None:
        return None
    octets = [int(o) for o in m.group(1).split(".")]
    if any(o > 255 for o in octets):
        return None
    addr = octets + [0] * (4 - len(octets))
    if m.group(2) is not None:
        prefix = int(m.group(2))
    elif len(octets) == 4:
        prefix = 32
    else:
        classful = 8 if addr[0] < 128 else 16 if addr[0] < 192 else 24
        prefix = max(classful, 8 * len(octets))
    if prefix > 32:
        return None
    return ipaddress.IPv4Network((".".join(map(str, addr)), prefix), strict=False)
