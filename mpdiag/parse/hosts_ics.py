"""`C:\\Windows\\System32\\drivers\\etc\\hosts.ics`: the names Windows ICS hands out.

Lines look like `172.22.160.5 primary.mshome.net # 2024 3 4 12 10 15 2 123`
(address, `<name>.mshome.net`, then a SYSTEMTIME: year month day-of-week day hour
minute second millisecond). Multipass resolves `<instance>.mshome.net` through it,
so a second entry for an instance (the seed's "keep the first one") or a stale
address breaks `multipass shell`. Windows rewrites the file in place without
truncating it, so tails of older, longer content survive as fragment lines
(`0 54 30 497`, `67`, `et # 2024 3 4 ...`): those are reported, not guessed at.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

from mpdiag.errors import ParseError

__all__ = ["IcsEntry", "HostsIcs", "parse_hosts_ics", "duplicates", "stamp_datetime", "SUFFIX"]

SUFFIX = ".mshome.net"

_LINE = re.compile(
    r"^(?P<ip>[0-9]{1,3}(?:\.[0-9]{1,3}){3})[ \t]+"
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.mshome\.net)\.?"
    r"(?:[ \t]*#[ \t]*(?P<stamp>[0-9]+(?:[ \t]+[0-9]+){7}))?[ \t]*$",
    re.ASCII | re.IGNORECASE,
)


@dataclass(frozen=True)
class IcsEntry:
    """One well-formed hosts.ics line."""

    line_no: int  # 1-based, as an editor shows it (the remedy names lines)
    ip: str
    name: str  # lowercased, with the suffix: 'primary.mshome.net'
    instance: str  # name without '.mshome.net': 'primary'
    stamp: str | None  # the raw '2024 3 4 12 10 15 2 123', if present


@dataclass(frozen=True)
class HostsIcs:
    """The entries in file order, and every line that is neither an entry, a
    comment nor blank (line number, text) - evidence of in-place corruption."""

    entries: tuple[IcsEntry, ...]
    malformed: tuple[tuple[int, str], ...]

    def by_instance(self, instance: str) -> list[IcsEntry]:
        """The entries for one instance name, first (the one to keep) first."""
        low = instance.lower()
        return [e for e in self.entries if e.instance == low]


def parse_hosts_ics(text: str) -> HostsIcs:
    """Parse hosts.ics text (already decoded). Comments and blank lines are skipped;
    anything else that is not `<ipv4> <name>.mshome.net [# 8 numbers]` goes to
    `malformed`. Raises ParseError only for input that is not text at all (NULs:
    a binary file or a mis-decoded UTF-16 one)."""
    if not isinstance(text, str):
        raise ParseError("hosts.ics is not text", repr(text)[:200])
    if "\x00" in text:
        raise ParseError("hosts.ics holds NUL bytes (binary, or UTF-16 decoded wrongly)", text)
    entries: list[IcsEntry] = []
    malformed: list[tuple[int, str]] = []
    for no, raw in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        if m and _valid_ipv4(m.group("ip")):
            name = m.group("name").lower()
            entries.append(IcsEntry(no, m.group("ip"), name, name[: -len(SUFFIX)],
                                    " ".join(m.group("stamp").split()) if m.group("stamp") else None))
        else:
            malformed.append((no, raw.rstrip()))
    return HostsIcs(tuple(entries), tuple(malformed))


def _valid_ipv4(ip: str) -> bool:
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        return False
    return True


def duplicates(hosts: HostsIcs) -> dict[str, list[IcsEntry]]:
    """Instance name -> its entries, only for names with more than one entry
    (the seed: keep the first listed, remove the others)."""
    seen: dict[str, list[IcsEntry]] = {}
    for entry in hosts.entries:
        seen.setdefault(entry.instance, []).append(entry)
    return {name: found for name, found in seen.items() if len(found) > 1}


def stamp_datetime(stamp: str | None) -> datetime | None:
    """The SYSTEMTIME stamp as a naive datetime (UTC per ICS), None if absent or
    impossible (corruption produces e.g. day-of-week 6, day 30 of a bogus year)."""
    if not stamp:
        return None
    parts = stamp.split()
    if len(parts) != 8:
        return None
    try:
        y, mo, _dow, d, h, mi, s, ms = (int(p) for p in parts)
        return datetime(y, mo, d, h, mi, s, ms * 1000)
    except (ValueError, OverflowError):
        return None
