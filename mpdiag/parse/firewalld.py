"""firewalld: `firewall-cmd --get-active-zones`, `--get-default-zone`, `--info-zone=ZONE`.

    $ firewall-cmd --get-active-zones
    public
      interfaces: eth0
    trusted
      interfaces: mpqemubr0

    $ firewall-cmd --info-zone=public
    public (active)
      target: default
      interfaces: eth0
      services: dhcpv6-client ssh
      ports: 67/udp
      ...

`FirewallD is not running` (rc 252) is data: firewalld installed but off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

_NOISE = noise_pattern(r"(?:sudo\s+)?firewall-cmd\b.*")
NOT_RUNNING = "not running"
_ZONE = re.compile(r"^([A-Za-z0-9_.-]+)(?:\s+\((active|default)(?:,\s*(?:active|default))*\))?$")
_KV = re.compile(r"^([a-z0-9-]+):\s*(.*)$")


@dataclass
class Zone:
    name: str
    info: dict[str, str] = field(default_factory=dict)

    def items(self, key: str) -> list[str]:
        return self.info.get(key, "").split()

    @property
    def interfaces(self) -> list[str]:
        return self.items("interfaces")

    @property
    def target(self) -> str:
        return self.info.get("target", "default")

    def allows(self, service: str, port: int, proto: str) -> bool:
        """Does this zone accept the service (by target ACCEPT, service name or port)?"""
        if self.target.upper() == "ACCEPT":
            return True
        if service in self.items("services"):
            return True
        for p in self.items("ports"):
            rng, _, pr = p.partition("/")
            lo, _, hi = rng.partition("-")
            if lo.isdigit() and int(lo) <= port <= int(hi or lo) and pr == proto:
                return True
        return False


def _lines(text: str) -> list[str]:
    return [ln.rstrip() for ln in text.splitlines() if ln.strip() and not _NOISE.match(ln.strip())]


def is_not_running(text: str) -> bool:
    return "firewalld is not running" in text.lower()


def parse_active_zones(text: str) -> dict[str, Zone] | None:
    """zone -> Zone (interfaces, sources); None when firewalld is not running."""
    if is_not_running(text):
        return None
    zones: dict[str, Zone] = {}
    cur: Zone | None = None
    for ln in _lines(text):
        if not ln[0].isspace():
            m = _ZONE.match(ln.strip())
            if not m:
                raise ParseError(f"firewall-cmd --get-active-zones: unexpected line {ln!r}", text)
            cur = zones.setdefault(m[1], Zone(m[1]))
            continue
        m = _KV.match(ln.strip())
        if not m or cur is None:
            raise ParseError(f"firewall-cmd --get-active-zones: unexpected line {ln!r}", text)
        cur.info[m[1]] = m[2].strip()
    return zones


def parse_zone_info(text: str) -> Zone | None:
    """`firewall-cmd --info-zone=Z`; None when firewalld is not running."""
    if is_not_running(text):
        return None
    lines = _lines(text)
    if not lines:
        raise ParseError("firewall-cmd --info-zone: empty output", text)
    m = _ZONE.match(lines[0].strip())
    if not m or lines[0][0].isspace():
        raise ParseError(f"firewall-cmd --info-zone: no zone name line ({lines[0]!r})", text)
    zone = Zone(m[1])
    for ln in lines[1:]:
        kv = _KV.match(ln.strip())
        if kv:
            zone.info[kv[1]] = kv[2].strip()
        elif ln[0].isspace() and zone.info:   # continuation of a multi-line value (rich rules)
            last = next(reversed(zone.info))
            zone.info[last] = (zone.info[last] + "\n" + ln.strip()).strip()
        else:
            raise ParseError(f"firewall-cmd --info-zone: unexpected line {ln!r}", text)
    return zone


def parse_default_zone(text: str) -> str | None:
    """`firewall-cmd --get-default-zone`: the zone name; None when firewalld is not running."""
    if is_not_running(text):
        return None
    words = [ln.strip() for ln in _lines(text)]
    if len(words) != 1 or not re.fullmatch(r"[A-Za-z0-9_.-]+", words[0]):
        raise ParseError("firewall-cmd --get-default-zone: expected one zone name", text)
    return words[0]
