"""`ip -j` (iproute2 JSON): addresses, links and routes of a Linux host or instance.

Real-world quirks handled here:
- iproute2 5.x prints `{}` for every interface that `-4` filtered out
  (`ip -j -4 addr` on a box with IPv6-only or address-less links): skipped.
- `addr_info` entries of other families (`inet6`) and entries without `local`
  (some tunnels) are skipped; an entry with a bad address is a ParseError.
- Several default routes (two NICs, a VPN): the lowest metric wins, as in the kernel.
- Pasted output may carry a prompt line or trailing text around the JSON array.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

from mpdiag.errors import ParseError


@dataclass(frozen=True)
class Link:
    """An interface with its IPv4 addresses (`ip -j -4 addr`), in the kernel's order
    (the first is the primary address; aliases and secondaries follow)."""

    name: str
    up: bool
    flags: tuple[str, ...]
    mac: str | None
    addresses: tuple[ipaddress.IPv4Interface, ...]
    master: str | None = None
    secondary: tuple[ipaddress.IPv4Interface, ...] = ()  # flagged `secondary` by the kernel
    mtu: int | None = None

    def has(self, ip: str | ipaddress.IPv4Address) -> bool:
        ip = ipaddress.IPv4Address(str(ip))
        return any(a.ip == ip for a in self.addresses)


@dataclass(frozen=True)
class IpRoute:
    """One route of `ip -j route`."""

    dst: str
    gateway: str | None
    dev: str | None
    prefsrc: str | None = None
    metric: int = 0
    protocol: str | None = None

    @property
    def network(self) -> ipaddress.IPv4Network | None:
        if self.dst == "default":
            return ipaddress.IPv4Network("0.0.0.0/0")
        try:
            return ipaddress.IPv4Network(self.dst, strict=False)
        except ValueError:
            return None


def _load(text: str, what: str) -> list:
    text = text.strip()
    if not text:
        return []
    start = text.find("[")
    if start < 0:
        raise ParseError(f"{what}: not JSON (no array)", text)
    try:
        data, _ = json.JSONDecoder().raw_decode(text[start:])
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what}: not JSON ({exc.msg})", text) from exc
    except RecursionError:
        raise ParseError(f"{what}: JSON nested too deeply", text[:200]) from None
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ParseError(f"{what}: expected a JSON array of objects", text)
    return data


def parse_ip_addr(text: str) -> dict[str, Link]:
    """`ip -j [-4] addr`: interface name -> Link (IPv4 addresses only)."""
    links: dict[str, Link] = {}
    for obj in _load(text, "ip -j addr"):
        if not obj:
            continue  # iproute2 5.x: `{}` for a link -4 filtered out
        try:
            name = obj["ifname"]
            if not isinstance(name, str) or not name:
                raise ValueError("ifname is not a name")
            flags = tuple(str(f) for f in obj.get("flags", ()))
            addrs: list[ipaddress.IPv4Interface] = []
            secondary: list[ipaddress.IPv4Interface] = []
            for a in obj.get("addr_info", ()):
                if not isinstance(a, dict):
                    raise ValueError("addr_info entry is not an object")
                if a.get("family", "inet") != "inet" or "local" not in a:
                    continue
                iface = ipaddress.IPv4Interface(f"{a['local']}/{a.get('prefixlen', 32)}")
                addrs.append(iface)
                if a.get("secondary"):
                    secondary.append(iface)
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"ip -j addr: malformed entry ({exc})", json.dumps(obj)) from exc
        up = "UP" in flags or obj.get("operstate") == "UP"
        mtu = obj.get("mtu")
        links[name] = Link(name, up, flags, obj.get("address"), tuple(addrs), obj.get("master"),
                           tuple(secondary), mtu if isinstance(mtu, int) and not isinstance(mtu, bool) else None)
    return links


def parse_ip_route(text: str) -> list[IpRoute]:
    """`ip -j route`."""
    out = []
    for obj in _load(text, "ip -j route"):
        if not obj:
            continue
        if "dst" not in obj:
            raise ParseError("ip -j route: a route without dst", json.dumps(obj))
        metric = obj.get("metric", 0)
        out.append(IpRoute(str(obj["dst"]), obj.get("gateway"), obj.get("dev"), obj.get("prefsrc"),
                           metric if isinstance(metric, int) else 0, obj.get("protocol")))
    return out


def default_gateway(routes: list[IpRoute]) -> IpRoute | None:
    """The default route the kernel uses (lowest metric), if any has a gateway."""
    defaults = [r for r in routes if r.dst in ("default", "0.0.0.0/0") and r.gateway]
    return min(defaults, key=lambda r: r.metric) if defaults else None


def primary_link(links: dict[str, Link], routes: list[IpRoute] | None = None,
                 ip: str | None = None) -> Link | None:
    """The interface Multipass's address lives on: the one holding `ip` (the management
    address), else the default route's device, else the only non-loopback link with an
    address."""
    if ip:
        for link in links.values():
            try:
                if link.has(ip):
                    return link
            except ValueError:
                break
    route = default_gateway(routes or [])
    if route and route.dev in links:
        return links[route.dev]
    candidates = [lk for lk in links.values() if lk.name != "lo" and lk.addresses
                  and not all(a.ip.is_loopback for a in lk.addresses)]
    return candidates[0] if len(candidates) == 1 else None


def extra_ipv4(link: Link, primary: str | None = None) -> list[ipaddress.IPv4Interface]:
    """The addresses on a link beyond its primary one (the management IP if given, else
    the first): aliases such as metallb's."""
    if not link.addresses:
        return []
    keep = link.addresses[0].ip
    if primary and link.has(primary):
        keep = ipaddress.IPv4Address(primary)
    return [a for a in link.addresses if a.ip != keep and not a.ip.is_link_local]
