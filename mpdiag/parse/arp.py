"""`arp -an` (macOS): IP <-> MAC neighbours.

Multipass 1.14.1+ finds instance IPs here (the leases file stopped carrying MACs on
macOS 15); the ARP and subnet-collision checks read it too. Entries are found
anywhere in a line, so `arp -an` embedded in multipassd log lines parses as well.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

_ENTRY = re.compile(
    r"\(([0-9]{1,3}(?:\.[0-9]{1,3}){3})\) at (\S+)(?: \[\w+\])?(?: on (\S+))?(.*)$"
)
_OCTET = re.compile(r"[0-9a-fA-F]{1,2}")
_NOISE = noise_pattern(
    r"(?:sudo\s+)?(?:\S*/)?arp\s+-.*",
)


@dataclass(frozen=True)
class ArpEntry:
    """One neighbour. `mac` is normalized (`52:54:00:0a:0b:0c`), None when incomplete."""

    ip: str
    mac: str | None
    interface: str | None
    permanent: bool


def normalize_mac(mac: str) -> str:
    """Lowercase, two digits per octet, colons: macOS prints `52:54:0:a:b:c` and
    netstat prints `8a.c3.94.a.86.e2`; Multipass and leases compare by this form."""
    parts = re.split(r"[:.\-]", mac.strip())
    if len(parts) != 6 or not all(_OCTET.fullmatch(p) for p in parts):
        raise ParseError("not a MAC address", mac)
    return ":".join(f"{int(p, 16):02x}" for p in parts)


def parse_arp(text: str) -> list[ArpEntry]:
    """Entries in output order; empty output is []. Lines without an entry are
    skipped; ParseError if nothing but unrecognized text is given."""
    entries: list[ArpEntry] = []
    unknown = False
    for line in text.split("\n"):
        m = _ENTRY.search(line)
        if m is None:
            if line.strip() and not _NOISE.match(line):
                unknown = True
            continue
        ip, mac, interface, rest = m.groups()
        try:
            ipaddress.IPv4Address(ip)
            normalized = None if mac == "(incomplete)" else normalize_mac(mac)
        except (ParseError, ValueError):
            unknown = True
            continue
        entries.append(ArpEntry(ip, normalized, interface, "permanent" in rest.split()))
    if not entries and unknown:
        raise ParseError("no arp entry found", text)
    return entries
