"""Known failure signatures in multipassd's log, and the problem class each belongs to.

Pure: text (or Windows events) in, typed matches out. The logs differ per platform:

- macOS `/Library/Logs/Multipass/multipassd.log`: `[2020-04-22T15:48:52.377] [info] [foo] ...`
  (the host's local time, no zone); a message may run over several lines.
- Linux `journalctl --unit 'snap.multipass*' -o short-iso`: `2026-11-27T22:24:39+0000 host
  multipassd[812]: ...`, with `-- ... --` marker lines (`-- No entries --`, `-- Boot ... --`).
- Windows Event Viewer, source "Multipass": `Get-WinEvent ... | Select-Object
  TimeCreated,LevelDisplayName,Message | ConvertTo-Json` (newest first; one object when
  there is one event; TimeCreated as `/Date(ms)/` on PowerShell 5.1, ISO on 7).

A line is evidence of something that happened, possibly long ago: every match keeps the
timestamps of its first and last occurrence (a line without one inherits the timestamp
of the entry it continues), and the newest match comes first.

Problem classes (the guide's decision tree: generic, routing, dns, arp):

- generic: the instance gets no address or the daemon cannot work at all: the SSH-up
  timeout (`timed out waiting for response` covers "no IP" and "IP but no SSH"), the
  IP-discovery errors, vmnet failing, the leases file missing, the daemon's socket.
- routing: the host cannot reach an instance that has an address: `ssh connection
  failed: ... No route to host` (a VPN route, macOS 15 Local Network privacy), and Linux
  `Failed to set firewall rule` (the bridge's NAT/FORWARD rules are missing).
- `dnsmasq died` / `Ensure nothing is using port 53` is filed under **generic**, not dns:
  on Linux that dnsmasq is the DHCP server as well as the DNS server, so when it dies the
  instances get no address at all, which is the guide's generic problem (the port-53
  squatter is the cause, `linux.ports.exclusive` names it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from mpdiag.errors import ParseError

ALL = frozenset({"macos", "windows", "linux"})


@dataclass(frozen=True)
class Signature:
    """One known failure text: what it is called, where it occurs, what it means."""

    label: str  # the text as users search for it
    problem_class: str  # generic | routing | dns | arp
    pattern: re.Pattern[str]
    platforms: frozenset[str]
    meaning: str  # one sentence: what it says about the host, and which check tells more


def _sig(label: str, cls: str, regex: str, platforms: Iterable[str], meaning: str) -> Signature:
    return Signature(label, cls, re.compile(regex, re.IGNORECASE), frozenset(platforms), meaning)


SIGNATURES: tuple[Signature, ...] = (
    _sig("timed out waiting for response", "generic", r"timed out waiting for response", ALL,
         "multipassd gave up waiting for the instance's SSH (no IP address, or an address without SSH): "
         "the instance is left Unknown."),
    _sig("Could not determine IP address", "generic",
         r"could not determine ip address|failed to determine ip address|\bip not available\b", ALL,
         "multipassd found no IP address for a running instance (no DHCP lease or ARP entry for its MAC)."),
    _sig("Could not create vmnet interface", "generic", r"(?:could not|cannot) create vmnet interface", {"macos"},
         "vmnet could not create the instance's network interface (host network changes: USB-C hubs, "
         "tethering, Internet Sharing toggled; see macos.vmnet.bridge_exists)."),
    _sig("Cannot open dhcpd_leases file", "generic", r"cannot open dhcpd_leases file", {"macos"},
         "Multipass up to 1.14.0 reads the addresses from /var/db/dhcpd_leases, which is missing "
         "(see macos.dhcp.leases_file_present)."),
    _sig("ssh connection failed: ... No route to host", "routing",
         r"ssh connection failed:.*no route to host", ALL,
         "the host has no route to the instance's address: a VPN routing the subnet away, or macOS 15+ "
         "Local Network privacy (see the routing checks)."),
    _sig("dnsmasq died", "generic", r"dnsmasq died|ensure nothing is using port 53|dnsmasq failed to start",
         {"linux"},
         "Multipass's dnsmasq (DHCP and DNS for the instances) could not run, usually because another "
         "process holds port 53 or 67 (see linux.ports.exclusive and linux.dnsmasq.serving)."),
    _sig("cannot connect to the multipass socket", "generic", r"cannot connect to the multipass socket", ALL,
         "a client could not reach multipassd (see the daemon check)."),
    _sig("Failed to set firewall rule", "routing", r"failed to set firewall rule", {"linux"},
         "multipassd could not install its iptables rules for the bridge (NAT, FORWARD, DHCP/DNS INPUT), "
         "so instances lose the way out (see linux.firewall.forward)."),
    # Today's Multipass (1.14 to main): the error strings of ../shared/reference/multipass-networking-2026.md
    _sig("Unable to determine IP address", "generic", r"unable to determine ip address", ALL,
         "the hyperkit-era (and Hyper-V) wording of `Could not determine IP address`: no lease or ARP entry "
         "for the instance's MAC."),
    _sig("Could not find the default switch", "generic",
         r"could not find the default switch|no switch named|could not find the device to connect to", {"windows"},
         "Hyper-V has no Default Switch (or the named switch is gone): see windows.switch.exists."),
    _sig("Could not create bridge", "generic",
         r"could not create bridge|could not create (?:external switch|vswitch)", {"linux", "windows"},
         "Multipass could not create the host bridge for a bridged network: on Linux through NetworkManager "
         "over D-Bus (absent on Ubuntu Server, #2726), on Windows the external switch (see "
         "linux.bridged.networkmanager)."),
    _sig("Invalid network", "generic", r"invalid network (?:options|name|'|\"|.)|missing bridges", ALL,
         "a `--network`/`--bridged` name, or `local.bridged-network`, names no network `multipass networks` "
         "lists (see <platform>.bridged.setting_valid)."),
    _sig("sharing service is in use", "generic", r"sharing service is in use", {"macos"},
         "Internet Sharing holds the NIC a bridged instance needs (vmnet: `conflict, sharing service is in use`, "
         "#2599): turn Internet Sharing off."),
    _sig("vmnet_start_interface() failed", "generic", r"vmnet_start_interface\(\) failed", {"macos"},
         "the AppleVZ driver (Multipass main) could not start its vmnet interface: the vmnet checks apply."),
    _sig("Failed to resolve hostname", "routing",
         r"failed to resolve hostname|management_ipv4\(\) > failed to resolve", {"windows"},
         "the client could not resolve `<instance>.mshome.net`, the name Multipass connects to on Windows "
         "(see windows.ics.name_resolves)."),
    _sig("network-observe not connected", "generic", r"is the 'network-observe' snap interface connected",
         {"linux"},
         "the snap cannot read /sys/class/net: `multipass networks` misses interfaces "
         "(`sudo snap connect multipass:network-observe`)."),
    _sig("Failed to install pf rules for cross-zone routing", "routing",
         r"failed to install pf rules for cross-zone routing|failed to enable ip forwarding", {"macos"},
         "with availability zones (main) multipassd could not load its pf anchor com.apple/multipass or "
         "enable IP forwarding: instances in different zones cannot reach each other."),
    _sig("no AZ is available", "generic", r"no az is available|unavailable zone name supplied", ALL,
         "every availability zone (main) is disabled, or the requested one is: `multipass enable-zones`."),
)

BY_LABEL: dict[str, Signature] = {s.label: s for s in SIGNATURES}


@dataclass(frozen=True)
class LogLine:
    """One line (or one Windows event) of the log, in chronological order."""

    index: int  # position in the log, oldest first
    text: str
    timestamp: datetime | None  # naive when the log gives no zone (macOS: the host's local time)


@dataclass(frozen=True)
class Match:
    """A signature found in the log: how often, where first and last."""

    signature: Signature
    count: int
    first: LogLine
    last: LogLine

    @property
    def problem_class(self) -> str:
        return self.signature.problem_class


# `[2020-04-22T15:48:52.377]` (multipassd.log) or `2026-11-27T22:24:39+0000` (short-iso).
_STAMP = re.compile(
    r"^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)(Z|[+-]\d{2}:?\d{2})?\]?(?=\s|$)")
_JOURNAL_MARKER = re.compile(r"^-- .* --$")


def parse_timestamp(line: str) -> datetime | None:
    """The timestamp a log line starts with, or None."""
    m = _STAMP.match(line.strip())
    if not m:
        return None
    stamp, zone = m.group(1).replace(",", ".").replace(" ", "T"), m.group(2) or ""
    if zone == "Z":
        zone = "+00:00"
    elif zone and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        return datetime.fromisoformat(stamp + zone)
    except ValueError:
        return None


def log_lines(text: str) -> list[LogLine]:
    """The lines of a text log (multipassd.log, journalctl short-iso), oldest first.

    Blank lines and journalctl's `-- ... --` markers are dropped; a line without a
    timestamp inherits the one of the entry it continues."""
    out: list[LogLine] = []
    current: datetime | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or _JOURNAL_MARKER.match(line):
            continue
        stamp = parse_timestamp(line)
        if stamp is not None:
            current = stamp
        out.append(LogLine(len(out), line, current))
    return out


def journal_is_empty(text: str) -> bool:
    """journalctl printed no entry (`-- No entries --`, or only markers)."""
    return not log_lines(text)


def parse_events(text: str) -> list[LogLine]:
    """Windows events (ConvertTo-Json of TimeCreated, LevelDisplayName, Message), oldest first.

    Get-WinEvent lists the newest first; they are sorted by TimeCreated (events without
    one keep their relative order, last). An event is one line: its message with the
    line breaks folded, prefixed with its level. Empty output -> []."""
    from mpdiag.parse.powershell import parse_json_objects, prop, ps_date

    objs = parse_json_objects(text)
    events: list[tuple[datetime | None, int, str]] = []
    for n, obj in enumerate(objs):
        message = prop(obj, "Message")
        if message is None:
            message = ""
        if not isinstance(message, str):
            raise ParseError("a Multipass event's Message is not text", text[:500])
        level = prop(obj, "LevelDisplayName")
        body = " ".join(part.strip() for part in message.splitlines() if part.strip())
        events.append((ps_date(prop(obj, "TimeCreated")), -n, f"[{level}] {body}" if level else body))
    dated = sorted((e for e in events if e[0] is not None), key=lambda e: (e[0], e[1]))
    undated = sorted((e for e in events if e[0] is None), key=lambda e: e[1])
    return [LogLine(i, msg, stamp) for i, (stamp, _, msg) in enumerate([*dated, *undated])]


def find_known_errors(lines: Sequence[LogLine], platform: str | None = None) -> list[Match]:
    """The known signatures present in `lines` (of that platform, if given), newest first
    (by their last occurrence), each with its count and first and last line."""
    sigs = [s for s in SIGNATURES if platform is None or platform in s.platforms]
    hits: dict[str, list[LogLine]] = {}
    for line in lines:
        for s in sigs:
            if s.pattern.search(line.text):
                hits.setdefault(s.label, []).append(line)
    matches = [Match(BY_LABEL[label], len(found), found[0], found[-1]) for label, found in hits.items()]
    matches.sort(key=lambda m: m.last.index, reverse=True)
    return matches


def when(line: LogLine) -> str:
    """The line's timestamp for a message: `2026-11-20 09:58:12` (`+00:00` when zoned), or a
    note that the log gives none."""
    if line.timestamp is None:
        return "no timestamp in the log"
    t = line.timestamp.replace(microsecond=0)
    text = t.isoformat(sep=" ")
    return text if t.tzinfo else f"{text} (the host's local time)"


def describe(match: Match, max_line: int = 300) -> str:
    """One match for a check's message: the signature, how often, when, the newest line."""
    times = "once" if match.count == 1 else f"{match.count} times"
    line = match.last.text if len(match.last.text) <= max_line else match.last.text[:max_line] + "..."
    since = ""
    if match.count > 1 and match.first.timestamp is not None and match.first.timestamp != match.last.timestamp:
        since = f", first at {when(match.first)}"
    return (f"`{match.signature.label}` ({match.problem_class} problem) {times}, last at "
            f"{when(match.last)}{since}: {line}")


@dataclass(frozen=True)
class Finding:
    """What a logs check fails with: the message and the facts its remedy is rendered from."""

    found: str
    facts: dict[str, str]


def finding(matches: Sequence[Match], where: str, filed_under: str, log_command: str) -> Finding:
    """The failure of a logs check: every match (newest first), and the remedy's facts from
    the newest. `filed_under` is the check's catalog class: a signature of another class
    says so, since the triage goes by the catalog's."""
    from mpdiag.remedies import ARP, DNS, GENERIC, ROUTING

    sections = {"generic": GENERIC, "routing": ROUTING, "dns": DNS, "arp": ARP}
    head = matches[0]
    parts = [describe(m) for m in matches]
    found = f"{len(matches)} known failure signature(s) in {where}: " + "; ".join(parts)
    other = sorted({m.problem_class for m in matches} - {filed_under})
    if other:
        found += (f". Note: {' and '.join(other)} signature(s) point to the {' and '.join(other)} section, "
                  f"although this check is filed (and triaged) under {filed_under}")
    return Finding(found, {
        "signature": head.signature.label,
        "problem_class": head.problem_class,
        "meaning": head.signature.meaning,
        "section": sections[head.problem_class],
        "log_command": log_command,
    })
