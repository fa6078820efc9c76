"""`/var/db/dhcpd_leases` (macOS bootpd): the leases vmnet's DHCP server handed out.

Multipass <= 1.14.0 finds instance IPs here, and bootpd derives the vmnet subnet
from the newest lease (so a stale lease can pull `Shared_Net_Address` elsewhere).

Order: bootpd writes the most recently granted lease as the FIRST block (in the
corpus, issue 2050, expiries fall from the top of the file down), so the list keeps
file order and `newest_lease` prefers the latest expiry, then the first block.

Pastes are often cut: a partial block at either end is skipped. On macOS 15+ leases
carry `hw_address=ff,<DUID>` (no MAC): `hw_address` is None there.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern
from mpdiag.parse.arp import normalize_mac

_FIELD = re.compile(r"^([A-Za-z_]+)=(.*)$")
_NOISE = noise_pattern(
    r"(?:sudo\s+)?(?:cat|less|more|head|tail)\s.*dhcpd_leases.*",
)


@dataclass(frozen=True)
class Lease:
    """One lease block. `lease` is the expiry (Unix time, written in hex)."""

    name: str | None
    ip: str
    hw_address: str | None
    hw_type: str | None
    identifier: str | None
    lease: int | None


def parse_leases(text: str) -> list[Lease]:
    """Complete lease blocks in file order (newest first). Empty file -> []."""
    leases: list[Lease] = []
    block: dict[str, str] | None = None
    meaningful = False
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line == "{":
            block = {}
            meaningful = True
        elif line == "}":
            lease = _lease(block) if block is not None else None
            if lease is not None:
                leases.append(lease)
            block = None
            meaningful = True
        elif m := _FIELD.match(line):
            meaningful = True
            if block is not None:
                block[m.group(1)] = m.group(2).strip()
        elif not _NOISE.match(raw):
            meaningful = True
    if not leases and meaningful:
        raise ParseError("no complete lease in dhcpd_leases", text)
    return leases


def newest_lease(leases: list[Lease]) -> Lease | None:
    """The lease bootpd granted last: the latest expiry, else the first block."""
    if not leases:
        return None
    dated = [lease for lease in leases if lease.lease is not None]
    return max(dated, key=lambda lease: lease.lease or 0) if dated else leases[0]


def _lease(block: dict[str, str]) -> Lease | None:
    """A block without a valid ip_address is unusable (cut paste): skipped."""
    ip = block.get("ip_address", "")
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        return None
    hw_type, hw_address = _hw(block.get("hw_address"))
    expiry = block.get("lease")
    return Lease(
        name=block.get("name"),
        ip=ip,
        hw_address=hw_address,
        hw_type=hw_type,
        identifier=block.get("identifier"),
        lease=int(expiry, 16) if expiry and re.fullmatch(r"0x[0-9a-fA-F]{1,16}", expiry) else None,
    )


def _hw(value: str | None) -> tuple[str | None, str | None]:
    """`1,52:54:0:55:1a:c8` -> ("1", "52:54:00:55:1a:c8"); `ff,<DUID>` -> ("ff", None)."""
    if not value:
        return None, None
    hw_type, sep, addr = value.partition(",")
    if not sep:
        return None, None
    if hw_type != "1":
        return hw_type, None
    try:
        return hw_type, normalize_mac(addr)
    except ParseError:
        return hw_type, None
