"""`ifconfig [-a | IFNAME]` (macOS): interfaces, their IPv4 addresses, bridge members.

The subnet comes from the vmnet `bridgeN` address (never hard-coded); the members
show that an instance is plugged in; utun addresses reveal VPNs. Indentation is not
relied on (pastes lose tabs): a `name: flags=...` line opens an interface and every
following line belongs to it. Prompt lines (`$ ifconfig en9`) are ignored.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_HEADER = re.compile(
    r"^(?:[$%#>]\s+)?([A-Za-z][A-Za-z0-9_.\-]{0,30}): flags=[0-9a-fA-F]{1,8}<([^>]*)>"
    r"(?:.*?\bmtu ([0-9]{1,6}))?"
)
_INET = re.compile(
    r"^inet ([0-9.]{7,15})(?: --> [0-9.]{7,15})? netmask (0x[0-9a-fA-F]{8}|[0-9.]{7,15})\b"
)
_ETHER = re.compile(r"^ether ([0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})$")
_MEMBER = re.compile(r"^member: (\S+)")
_STATUS = re.compile(r"^status: (\S.*)$")


@dataclass(frozen=True)
class Interface:
    """One interface block; `inet` holds address/prefix pairs (IPv6 is not kept)."""

    name: str
    flags: frozenset[str]
    up: bool
    mtu: int | None
    ether: str | None
    inet: tuple[ipaddress.IPv4Interface, ...]
    members: tuple[str, ...]
    status: str | None


def parse_ifconfig(text: str) -> dict[str, Interface]:
    """Interfaces by name, in output order. ParseError if no interface line is found."""
    blocks: list[dict] = []
    for line in text.split("\n"):
        header = _HEADER.match(line.strip())
        if header:
            name, flags, mtu = header.groups()
            blocks.append({
                "name": name, "flags": frozenset(f for f in flags.split(",") if f),
                "mtu": int(mtu) if mtu else None, "ether": None, "inet": [],
                "members": [], "status": None,
            })
        elif blocks:
            _add_detail(blocks[-1], line.strip())
    if not blocks:
        raise ParseError("no interface found in ifconfig output", text)
    return {
        b["name"]: Interface(
            name=b["name"], flags=b["flags"], up="UP" in b["flags"], mtu=b["mtu"],
            ether=b["ether"], inet=tuple(b["inet"]), members=tuple(b["members"]),
            status=b["status"],
        )
        for b in blocks
    }


def _add_detail(block: dict, line: str) -> None:
    if m := _INET.match(line):
        iface = _ipv4_interface(m.group(1), m.group(2))
        if iface is not None:
            block["inet"].append(iface)
    elif m := _ETHER.match(line):
        block["ether"] = ":".join(f"{int(o, 16):02x}" for o in m.group(1).split(":"))
    elif m := _MEMBER.match(line):
        block["members"].append(m.group(1))
    elif m := _STATUS.match(line):
        block["status"] = m.group(1).strip()


def _ipv4_interface(address: str, netmask: str) -> ipaddress.IPv4Interface | None:
    """`netmask 0xffffff00` (or dotted) -> /24; a cut or non-contiguous mask -> None."""
    try:
        mask = int(netmask, 16) if netmask.startswith("0x") else int(ipaddress.IPv4Address(netmask))
        prefix = bin(mask).count("1")
        if mask != (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF:
            return None
        return ipaddress.IPv4Interface((address, prefix))
    except ValueError:
        return None
