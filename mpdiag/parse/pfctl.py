"""`sudo pfctl -s nat` (macOS): the packet filter's NAT rules.

With a VPN owning the default route, instances need `nat on utunN from
bridge100:network to any -> (utunN)`. pfctl prints the loaded form (the network
expanded: `nat on utun1 inet from 192.168.64.0/24 to any -> (utun1) round-robin`);
lines of `/etc/pf.conf` (`from bridge100:network`) are read the same way. Anchors,
`rdr`/`binat`/`no nat` rules are valid output but not NAT translations; the ALTQ
notices pfctl writes to stderr are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

_ADDR = r"(?:\{[^}]*\}|!?\s?\S+)"
_NAT = re.compile(
    r"^nat\s+(?:pass\s+)?(?:log(?:\s*\([^)]*\))?\s+)?"
    rf"(?:on\s+(?P<if>{_ADDR})\s+)?(?:inet6?\s+)?(?:proto\s+{_ADDR}\s+)?"
    rf"from\s+(?P<src>{_ADDR})(?:\s+port\s+{_ADDR})?\s+"
    rf"to\s+(?P<dst>{_ADDR})(?:\s+port\s+{_ADDR})?"
    r"(?:\s+tag\s+\S+|\s+tagged\s+\S+)*\s*->\s*(?P<tr>\{[^}]*\}|\([^)]*\)|\S+)"
)
_NAT_ALL = re.compile(r"^nat\s+(?:on\s+(?P<if>\S+)\s+)?(?:inet6?\s+)?all\s*->\s*(?P<tr>\([^)]*\)|\S+)")
_OTHER = re.compile(
    r"^(?:no\s+nat|nat-anchor|rdr-anchor|binat-anchor|anchor|load\s+anchor|rdr|binat"
    r"|scrub-anchor|dummynet-anchor|scrub|pass|block|set|table)\b"
)
_NOISE = noise_pattern(
    r"\#.*",
    r"No\ ALTQ\ support\ in\ kernel.*",
    r"ALTQ\ related\ functions\ disabled.*",
    r"(?:sudo\s+)?(?:\S*/)?pfctl\s+-.*",
)


@dataclass(frozen=True)
class NatRule:
    """One `nat` rule: the outgoing interface, the source it rewrites and the address
    it rewrites to (`(utun1)` = utun1's current address). `raw` is the line as given."""

    interface: str
    source: str
    translation: str
    raw: str
    destination: str = "any"


def parse_pf_nat(text: str) -> list[NatRule]:
    """NAT rules in order. No rules (pf off, or only anchors) is []; text with no
    pf rule line at all (an error message, other output) is a ParseError."""
    rules: list[NatRule] = []
    unknown = False
    pf_lines = 0
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line or _NOISE.match(line):
            continue
        m = _NAT.match(line) or _NAT_ALL.match(line)
        if m:
            pf_lines += 1
            groups = m.groupdict()
            rules.append(NatRule(
                interface=(groups.get("if") or "any"),
                source=groups.get("src") or "any",
                translation=groups["tr"],
                raw=raw.strip(),
                destination=groups.get("dst") or "any",
            ))
        elif _OTHER.match(line):
            pf_lines += 1
        else:
            unknown = True
    if unknown and not pf_lines:
        raise ParseError("no pf rule found in pfctl -s nat output", text)
    return rules
