"""`netsh interface ...` tables: excluded port ranges and port proxies.

Why: Hyper-V/WinNAT reserve blocks of TCP ports at boot; when one covers 50051,
multipassd cannot listen and the client says it cannot connect to the daemon. Port
proxy rules left behind for deleted instances forward to dead addresses. netsh
output is localized (`Protokoll tcp Portausschlussbereiche`), so rows are read by
their shape below the dash line, never by header words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

__all__ = ["PortProxyRule", "parse_excluded_port_ranges", "parse_portproxy", "range_containing"]

_PROMPT = re.compile(r"^\s*(?:PS(?: [^\n>]*)?>|[A-Za-z]:\\[^\n>]*>)")
_DASHES = re.compile(r"^\s*-{3,}(?:[ \t]+-{3,})*\s*$")
_RANGE_ROW = re.compile(r"^\s*([0-9]{1,5})\s+([0-9]{1,5})(?:\s+\*)?\s*$", re.ASCII)
_PROXY_ROW = re.compile(r"^\s*(\S+)\s+([0-9]{1,5})\s+(\S+)\s+([0-9]{1,5})\s*$", re.ASCII)
_FAMILY = re.compile(r"ipv([46])", re.IGNORECASE)


@dataclass(frozen=True)
class PortProxyRule:
    """One `netsh interface portproxy` rule."""

    listen_address: str
    listen_port: int
    connect_address: str
    connect_port: int
    kind: str  # 'v4tov4', 'v4tov6', 'v6tov4', 'v6tov6'


def parse_excluded_port_ranges(text: str) -> list[tuple[int, int]]:
    """`netsh interface ipv4 show excludedportrange protocol=tcp` -> [(start, end), ...].

    The administered marker `*` is accepted and dropped (either kind blocks the
    port). A table with no rows -> []. No table at all (empty output, an error
    message) -> ParseError: no data is not "nothing excluded".
    """
    ranges: list[tuple[int, int]] = []
    in_body = False
    seen_table = False
    for line in text.split("\n"):
        if _PROMPT.match(line):
            in_body = False
            continue
        if _DASHES.match(line):
            in_body, seen_table = True, True
            continue
        if not in_body:
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("*"):
            in_body = False
            continue
        m = _RANGE_ROW.match(line)
        if not m:
            raise ParseError("unexpected line in excluded port ranges", text)
        start, end = int(m.group(1)), int(m.group(2))
        if not (0 < start <= end <= 65535):
            raise ParseError(f"impossible port range {start}-{end}", text)
        ranges.append((start, end))
    if not seen_table:
        raise ParseError("no excluded port range table", text)
    return ranges


def range_containing(ranges: list[tuple[int, int]], port: int) -> tuple[int, int] | None:
    """The first range that contains `port` (e.g. 50051), else None."""
    for start, end in ranges:
        if start <= port <= end:
            return (start, end)
    return None


def parse_portproxy(text: str) -> list[PortProxyRule]:
    """`netsh interface portproxy show all` -> rules. Empty output -> [] (netsh
    prints nothing when there are no rules).

    Each section starts with `Listen on ipvX:   Connect to ipvY:`, which gives the
    kind; a localized header without `ipv4`/`ipv6` falls back to the addresses'
    shape (a `:` means IPv6).
    """
    rules: list[PortProxyRule] = []
    kind: str | None = None
    in_body = False
    seen_table = False
    for line in text.split("\n"):
        if _PROMPT.match(line):
            in_body = False
            continue
        stripped = line.strip()
        families = _FAMILY.findall(stripped)
        if len(families) == 2 and not _PROXY_ROW.match(line):
            kind = f"v{families[0]}tov{families[1]}"
            in_body = False
            continue
        if _DASHES.match(line):
            in_body, seen_table = True, True
            continue
        if not in_body:
            continue
        if not stripped:
            in_body = False
            continue
        m = _PROXY_ROW.match(line)
        if not m:
            raise ParseError("unexpected line in portproxy rules", text)
        lport, cport = int(m.group(2)), int(m.group(4))
        if not (0 < lport <= 65535 and 0 < cport <= 65535):
            raise ParseError("impossible port in portproxy rule", text)
        rule_kind = kind or f"v{6 if ':' in m.group(1) else 4}tov{6 if ':' in m.group(3) else 4}"
        rules.append(PortProxyRule(m.group(1), lport, m.group(3), cport, rule_kind))
    if not seen_table and text.strip():
        raise ParseError("not netsh portproxy output", text)
    return rules
