"""`ip -j` (iproute2 JSON): addresses, links and routes of a Linux host or instance."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

from mpdiag.errors import ParseError


@dataclass(frozen=True)
class Link:
    """An interface with its IPv4 addresses (`ip -j -4 addr`)."""

    name: str
    up: bool
    flags: tuple[str, ...]
    mac: str | None
    addresses: tuple[ipaddress.IPv4Interface, ...]
    master: str | None = None


@dataclass(frozen=True)
class IpRoute:
    """One route of `ip -j route`."""

    dst: str
    gateway: str | None
    dev: str | None
    prefsrc: str | None = None

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
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what}: not JSON ({exc.msg})", text) from exc
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise ParseError(f"{what}: expected a JSON array of objects", text)
    return data


def parse_ip_addr(text: str) -> dict[str, Link]:
    """`ip -j [-4] addr`: interface name -> Link (IPv4 addresses only)."""
    links: dict[str, Link] = {}
    for obj in _load(text, "ip -j addr"):
        try:
            name = obj["ifname"]
            flags = tuple(obj.get("flags", ()))
            addrs = tuple(ipaddress.IPv4Interface(f"{a['local']}/{a['prefixlen']}")
                          for a in obj.get("addr_info", ()) if a.get("family", "inet") == "inet")
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"ip -j addr: malformed entry ({exc})", json.dumps(obj)) from exc
        up = "UP" in flags or obj.get("operstate") == "UP"
        links[name] = Link(name, up, flags, obj.get("address"), addrs, obj.get("master"))
    return links


def parse_ip_route(text: str) -> list[IpRoute]:
    """`ip -j route`."""
    out = []
    for obj in _load(text, "ip -j route"):
        if "dst" not in obj:
            raise ParseError("ip -j route: a route without dst", json.dumps(obj))
        out.append(IpRoute(str(obj["dst"]), obj.get("gateway"), obj.get("dev"), obj.get("prefsrc")))
    return out


def default_gateway(routes: list[IpRoute]) -> IpRoute | None:
    """The default route, if any."""
    return next((r for r in routes if r.dst == "default" and r.gateway), None)
