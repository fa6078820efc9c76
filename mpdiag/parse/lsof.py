"""`lsof -i` output (macOS): who holds a port.

Used by the DHCP (port 67) and DNS (port 53) checks. Pastes come with prompts, sudo
banners, `grep` filters (no header), 9-character command names (`mDNSRespo`),
service names when `-P` is absent (`*:domain`) and host names when `-n` is absent
(`localhost:domain`): all accepted. A line that is not a socket row is skipped; text
with no socket row and something other than prompts/banners is a ParseError.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

# /etc/services names lsof prints without -P, for the ports the checks care about.
SERVICES: dict[str, int] = {
    "domain": 53, "bootps": 67, "bootpc": 68, "mdns": 5353, "ntp": 123,
    "http": 80, "https": 443, "ssh": 22, "netbios-ns": 137, "netbios-dgm": 138,
    "netbios-ssn": 139, "microsoft-ds": 445, "ldap": 389, "kerberos": 88,
    "snmp": 161, "syslog": 514, "isakmp": 500, "ipsec-nat-t": 4500,
    "llmnr": 5355, "domain-s": 853, "ssdp": 1900, "dhcpv6-client": 546,
    "dhcpv6-server": 547,
}
_LOCALHOST = {"IPv4": "127.0.0.1", "IPv6": "::1"}

_NOISE = noise_pattern(
    r"(?:sudo\s+)?(?:\S*/)?lsof\s+-.*",
    r"lsof:\sWARNING.*",
    r"Sorry,\stry\sagain.*",
    r"Approval\sRequired.*",
    r"COMMAND\s+PID\b.*",
)


@dataclass(frozen=True)
class LsofEntry:
    """One socket row. `address`/`port` are the local side (`->` rows too); `address`
    is `*`, an IP, or (output without -n) a host name, `localhost` mapped to its IP;
    `port` is None for `*` or a service name not in SERVICES.

    `listen` is True for a TCP socket in LISTEN and for an unconnected UDP socket:
    both receive whatever is sent to address:port, which is what "holds the port"
    means for DHCP and DNS.
    """

    command: str
    pid: int
    user: str
    fd: str
    ip_version: str
    protocol: str
    address: str
    port: int | None
    listen: bool
    name: str


def parse_lsof(text: str) -> list[LsofEntry]:
    """Socket rows of `lsof -i ...` in input order. Empty output (no match) is []."""
    entries: list[LsofEntry] = []
    unknown = False
    for line in text.split("\n"):
        if not line.strip():
            continue
        entry = _parse_row(line)
        if entry is not None:
            entries.append(entry)
        elif not _NOISE.match(line):
            unknown = True
    if not entries and unknown:
        raise ParseError("no lsof socket row found", text)
    return entries


def listeners_on(entries: list[LsofEntry], port: int) -> list[LsofEntry]:
    """The rows that hold local `port` (not clients talking to it, not :5353 for 53)."""
    return [e for e in entries if e.port == port and e.listen]


def _parse_row(line: str) -> LsofEntry | None:
    tokens = line.split()
    if len(tokens) < 7 or not re.fullmatch(r"[0-9]{1,10}", tokens[1]):
        return None
    try:
        t = next(i for i in range(4, len(tokens)) if tokens[i] in ("IPv4", "IPv6"))
        p = next(i for i in range(t + 1, len(tokens)) if tokens[i] in ("TCP", "UDP"))
    except StopIteration:
        return None
    if p + 1 >= len(tokens) or p + 3 < len(tokens):
        return None
    name = tokens[p + 1]
    state = tokens[p + 2] if p + 2 < len(tokens) else ""
    if state and not re.fullmatch(r"\([A-Z_0-9]+\)", state):
        return None
    local = name.split("->", 1)[0]
    hostport = _split_hostport(local)
    if hostport is None:
        return None
    host, port_text = hostport
    ip_version, protocol = tokens[t], tokens[p]
    listen = state == "(LISTEN)" or (protocol == "UDP" and "->" not in name)
    return LsofEntry(
        command=tokens[0].replace("\\x20", " "),
        pid=int(tokens[1]),
        user=" ".join(tokens[2 : t - 1]),
        fd=tokens[t - 1],
        ip_version=ip_version,
        protocol=protocol,
        address=_LOCALHOST[ip_version] if host == "localhost" else host,
        port=_port(port_text),
        listen=listen,
        name=name,
    )


def _split_hostport(local: str) -> tuple[str, str] | None:
    """`*:53`, `127.0.0.1:domain`, `[::1]:53` -> (host, port text)."""
    if local.startswith("["):
        m = re.fullmatch(r"\[([^\]]+)\]:(\S+)", local)
        return (m.group(1), m.group(2)) if m else None
    host, sep, port = local.rpartition(":")
    if not sep or not host or not port or ":" in host:
        return None
    return host, port


def _port(text: str) -> int | None:
    if re.fullmatch(r"[0-9]{1,5}", text):
        return int(text)
    return SERVICES.get(text)
