"""Don't-fragment pings (`ping -M do -s SIZE -c 1`, iputils, stderr merged) and interface
MTUs (`ip -j link` or `ip -j addr`: both give every link's mtu): what a path-MTU check needs to tell a silent drop from a told one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

_HEADER = re.compile(r"^PING \S+ \(([\d.]+)\) (\d+)\((\d+)\) bytes of data", re.M)
_STATS = re.compile(r"(\d+) packets transmitted, (\d+) received")
# told: a router's ICMP "fragmentation needed" or the kernel's own refusal (route/PMTU cache)
_FRAG = re.compile(r"Frag(?:mentation)? needed and DF set \(mtu = (\d+)\)", re.I)
_LOCAL = re.compile(r"local error: message too long, mtu[= ](\d+)", re.I)
_OTHER = re.compile(r"(Destination (?:Host|Net|Port) Unreachable|Network is unreachable|No route to host|"
                    r"Name or service not known|Temporary failure in name resolution)", re.I)


@dataclass(frozen=True)
class DfPing:
    """One don't-fragment ping: the payload size, whether it came back, and what was said."""

    size: int
    replied: bool
    told_mtu: int | None = None   # "Frag needed ... (mtu = N)" or "message too long, mtu=N"
    told: str | None = None       # the telling line, verbatim
    error: str | None = None      # another error (unreachable, unknown host)

    @property
    def packet(self) -> int:
        """The IPv4 packet size: payload + 8 (ICMP) + 20 (IPv4)."""
        return self.size + 28

    @property
    def silent(self) -> bool:
        """Lost without a word: neither a reply nor an ICMP error nor a local refusal."""
        return not self.replied and self.told is None and self.error is None


def parse_df_ping(text: str) -> DfPing:
    """iputils ping output for one DF probe; no header and no statistics is a parse error."""
    head = _HEADER.search(text)
    stats = _STATS.search(text)
    told = _FRAG.search(text) or _LOCAL.search(text)
    if head is None and told is None:
        err = _OTHER.search(text)
        if err:
            return DfPing(-1, False, error=err[1])
        raise ParseError("not iputils ping output (no 'PING ... bytes of data' line)", text)
    size = int(head[2]) if head else -1
    if stats is None and told is None:
        raise ParseError("ping output without its statistics line", text)
    replied = bool(stats and int(stats[2]) > 0)
    other = _OTHER.search(text)
    return DfPing(size, replied, int(told[1]) if told else None, told[0] if told else None,
                  other[1] if other and not replied else None)


def parse_link_mtus(text: str) -> dict[str, int]:
    """`ip -j link`: interface name -> MTU."""
    links = load_json(text or "[]", "`ip -j link`")
    if not isinstance(links, list):
        raise ParseError("`ip -j link` output is not a list", text)
    out: dict[str, int] = {}
    for link in links:
        if isinstance(link, dict) and isinstance(link.get("ifname"), str) and isinstance(link.get("mtu"), int):
            out[link["ifname"]] = link["mtu"]
    return out
