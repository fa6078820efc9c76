"""Multipass's networking commands: `networks`, `get local.bridged-network`, `get
local.<i>.bridged`, `zones` (main only), and the Linux snap's dnsmasq leases file.

Formats are the real CLI's (`../shared/reference/multipass-networking-2026.md` §1-§3):
`networks --format json` is `{"list": [{"name", "type", "description"}]}` (1.16: the keys
alphabetical; HEAD: name, type, description), empty `{"list": [ ]}`. `get` prints the value
on one line, `<empty>` for an empty one (`--raw` prints nothing). `zones --format json` is
`{"zone1": {"available": true, "subnet": "10.97.0.0/24"}, ...}`: **derived from the code**
(`format(const ZonesReply&)`, json_formatter.cpp@HEAD), no fixture of it exists upstream, so
this reading is unconfirmed against a real run. Before main, `multipass zones` is an unknown
command: the client prints `Error: Unknown command or alias 'zones' (try "multipass help" or
"multipass aliases")` on stdout and exits 1 (argparser.cpp).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

_UNKNOWN_COMMAND = re.compile(r"Error: Unknown command or alias '([^']*)'")
NOT_IMPLEMENTED = "not implemented on this backend"


@dataclass(frozen=True)
class Network:
    """One host network `multipass networks` offers for bridging. `type` as the backend says
    it (`eth`, `wifi`, `bridge`, `ethernet`, `Ethernet`, `switch`; AppleVZ `N/A`: unknown).

    Unconfirmed (multipass-networking-2026.md §1.2): HCS's `switch` type and `Hyper-V vSwitch(<HCN
    type>)` description strings, and whether HEAD's `hyperv` really reports `Ethernet` (capital E)
    at runtime; so types are compared case-insensitively and nothing keys on the description."""

    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Zone:
    """One availability zone (main): its /24 and whether it is available."""

    name: str
    available: bool
    subnet: ipaddress.IPv4Network


def _json_object(text: str, what: str) -> dict:
    start = text.find("{")
    if start < 0:
        raise ParseError(f"{what}: no JSON object", text[:200])
    data = load_json(text[start:], what)
    if not isinstance(data, dict):
        raise ParseError(f"{what}: not a JSON object", text[:200])
    return data


def parse_networks(text: str) -> list[Network]:
    """`multipass networks --format json` (any release: the key order does not matter), or
    the table users paste (columns where the header puts them; names may hold spaces)."""
    if "{" not in text:
        return _networks_table(text)
    data = _json_object(text, "multipass networks")
    items = data.get("list")
    if not isinstance(items, list):
        raise ParseError("multipass networks: no 'list' array", text[:200])
    out = []
    for obj in items:
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            raise ParseError("multipass networks: an entry without a name", text[:200])
        out.append(Network(obj["name"], str(obj.get("type", "")), str(obj.get("description", ""))))
    return out


def _networks_table(text: str) -> list[Network]:
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    if any(ln.strip() == "No network interfaces found." for ln in lines):
        return []
    head = next((i for i, ln in enumerate(lines) if re.match(r"^Name\s+Type\s+Description$", ln)), None)
    if head is None:
        raise ParseError("multipass networks: neither JSON nor the Name/Type/Description table", text[:200])
    header = lines[head]
    t, d = header.index("Type"), header.index("Description")
    out = []
    for ln in lines[head + 1:]:
        name, typ, desc = ln[:t].strip(), ln[t:d].strip(), ln[d:].strip()
        if not name or not typ or " " in typ:
            raise ParseError("multipass networks: unreadable table row", ln[:200])
        out.append(Network(name, typ, desc))
    return out


def parse_setting(text: str) -> str:
    """`multipass get <key>`: the value ('' for `<empty>` or nothing); one line only."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1:
        raise ParseError("multipass get: expected one line", text[:200])
    value = lines[0] if lines else ""
    return "" if value == "<empty>" else value


def parse_bool_setting(text: str) -> bool:
    """`multipass get local.<i>.bridged`: `true` or `false`."""
    value = parse_setting(text)
    if value not in ("true", "false"):
        raise ParseError("multipass get: expected true or false", text[:200])
    return value == "true"


def unknown_command(stdout: str) -> str | None:
    """The command the client does not know (`Error: Unknown command or alias 'zones'`), or None."""
    m = _UNKNOWN_COMMAND.search(stdout)
    return m[1] if m else None


def parse_zones(text: str) -> list[Zone]:
    """`multipass zones --format json` (main; format derived from the code, unconfirmed)."""
    data = _json_object(text, "multipass zones")
    out = []
    for name, obj in data.items():
        if not isinstance(obj, dict) or not isinstance(obj.get("available"), bool):
            raise ParseError(f"multipass zones: zone {name!r} has no boolean 'available'", text[:200])
        try:
            subnet = ipaddress.IPv4Network(str(obj.get("subnet", "")))
        except ValueError:
            raise ParseError(f"multipass zones: zone {name!r} has no IPv4 subnet", text[:200]) from None
        out.append(Zone(str(name), obj["available"], subnet))
    return out


def parse_zones_reply(text: str) -> list[Zone] | None:
    """The `multipass_zones` probe: the zones, or None when this client has no `zones`
    command (before main: `Error: Unknown command or alias 'zones'`, exit 1)."""
    if unknown_command(text) == "zones":
        return None
    return parse_zones(text)


# ---- the snap's dnsmasq leases (Linux QEMU) --------------------------------------------------

@dataclass(frozen=True)
class DnsmasqLease:
    """One line of dnsmasq's leases file: `<expiry> <mac> <ip> <hostname|*> <client-id|*>`.
    Multipass's leases are infinite (expiry 0); the hostname is the instance's name."""

    expiry: int
    mac: str
    ip: str
    hostname: str | None
    client_id: str | None


def parse_dnsmasq_leases(text: str) -> list[DnsmasqLease]:
    """The leases in file order (dnsmasq rewrites the file whole). IPv6 lines (a `duid` line,
    then leases with IAIDs) are skipped; a line that is none of these is a ParseError."""
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        parts = raw.split()
        if not parts or parts[0] == "duid":
            continue
        if len(parts) != 5 or not parts[0].isdigit():
            raise ParseError(f"dnsmasq leases: line {n} is not `<expiry> <mac> <ip> <name> <id>`", raw[:200])
        try:
            ip = ipaddress.ip_address(parts[2])
        except ValueError:
            raise ParseError(f"dnsmasq leases: line {n} has no IP address", raw[:200]) from None
        if ip.version != 4:
            continue
        out.append(DnsmasqLease(int(parts[0]), parts[1].lower(), str(ip),
                                None if parts[3] == "*" else parts[3], None if parts[4] == "*" else parts[4]))
    return out


_UNIT_STATES = frozenset({"active", "inactive", "failed", "activating", "deactivating", "reloading",
                          "refreshing", "maintenance", "unknown"})


def parse_unit_state(text: str) -> str:
    """`systemctl is-active <unit>`: one state word (`active`, `inactive`, `failed`...)."""
    words = text.split()
    if len(words) != 1 or words[0] not in _UNIT_STATES:
        raise ParseError("systemctl is-active: expected one unit state", text[:200])
    return words[0]
