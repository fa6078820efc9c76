"""`ufw status verbose` (and plain `ufw status`).

    Status: active
    Logging: on (low)
    Default: deny (incoming), allow (outgoing), disabled (routed)
    New profiles: skip

    To                         Action      From
    --                         ------      ----
    22/tcp                     ALLOW IN    Anywhere
    Anywhere on mpqemubr0      ALLOW IN    Anywhere
    67/udp on mpqemubr0        ALLOW IN    Anywhere
    Anywhere on eth0           ALLOW FWD   Anywhere on mpqemubr0
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

_NOISE = noise_pattern(r"(?:sudo\s+)?ufw\s+status\b.*")
_DEFAULT = re.compile(r"\b(\w+)\s+\((incoming|outgoing|routed)\)")  # \b: tried at word starts only
_ACTION = re.compile(r"^(ALLOW|DENY|REJECT|LIMIT)(?:\s+(IN|OUT|FWD))?$")
_NUMBERED = re.compile(r"^\[\s*\d+\]\s*")
_PORTS = re.compile(r"(?P<ports>\d{1,5}(?::\d{1,5})?(?:,\d{1,5}(?::\d{1,5})?)*)(?:/(?P<proto>tcp|udp))?")
_TO = re.compile(r"^(?P<what>.*?)(?:\s+on\s+(?P<iface>\S+))?(?P<v6>\s+\(v6\))?$")


@dataclass(frozen=True)
class UfwRule:
    to: str                     # `Anywhere`, `22/tcp`, `67/udp`, `53`, `OpenSSH`, an address ...
    action: str                 # ALLOW | DENY | REJECT | LIMIT
    direction: str              # IN | OUT | FWD
    source: str
    iface: str | None = None    # `on IFACE` of the To column
    v6: bool = False
    text: str = ""

    def covers(self, port: int, proto: str) -> bool:
        """Does the To column cover this port/protocol? `Anywhere` does; `67/udp`, `53`,
        `60:70/udp`, `53,67/udp` by number; an address or an app profile name does not."""
        words = self.to.split()
        if not words or words == ["Anywhere"]:
            return True
        m = _PORTS.fullmatch(words[-1])
        if not m:
            return False
        if m["proto"] and m["proto"] != proto:
            return False
        for part in m["ports"].split(","):
            lo, _, hi = part.partition(":")
            if int(lo) <= port <= int(hi or lo):
                return True
        return False


@dataclass
class UfwStatus:
    active: bool
    defaults: dict[str, str] = field(default_factory=dict)   # incoming/outgoing/routed -> deny|allow|reject|disabled
    rules: list[UfwRule] = field(default_factory=list)

    def allows_in(self, iface: str, port: int, proto: str) -> UfwRule | None:
        """The first IN rule that decides this port on this interface, if it allows it (None otherwise)."""
        for r in self.rules:
            if r.direction != "IN" or r.v6:
                continue
            if r.iface not in (None, iface) or not r.covers(port, proto):
                continue
            return r if r.action in ("ALLOW", "LIMIT") else None
        return None


def parse_ufw_status(text: str) -> UfwStatus:
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip() and not _NOISE.match(ln.strip())]
    status = None
    defaults: dict[str, str] = {}
    rules: list[UfwRule] = []
    in_table = False
    for ln in lines:
        s = ln.strip()
        if s.startswith("Status:"):
            word = s.split(":", 1)[1].strip().lower()
            if word not in ("active", "inactive"):
                raise ParseError(f"ufw status: unknown status {word!r}", text)
            status = word == "active"
            continue
        if s.startswith("Default:"):
            defaults = {d: v.lower() for v, d in _DEFAULT.findall(s)}
            continue
        if s.startswith(("Logging:", "New profiles:")):
            continue
        if re.match(r"^To\s+Action\s+From$", s):
            in_table = True
            continue
        if re.fullmatch(r"[-\s]+", s):
            continue
        if in_table:
            cols = re.split(r"\s{2,}", _NUMBERED.sub("", s))
            if len(cols) < 3:
                raise ParseError(f"ufw status: malformed rule {s!r}", text)
            to, action, source = cols[0], cols[1], cols[2]
            if len(cols) > 3:   # a comment column (`# ...`) is ignored
                source = cols[2]
            m = _ACTION.match(action)
            if not m:
                raise ParseError(f"ufw status: unknown action {action!r}", text)
            t = _TO.match(to)
            rules.append(UfwRule(t["what"].strip() if t else to, m[1], m[2] or "IN", source,
                                 t["iface"] if t else None, bool(t and t["v6"]) or "(v6)" in source, s))
            continue
        if status is None and s.lower().startswith("error"):
            raise ParseError("ufw status: error output", text)
        raise ParseError(f"ufw status: unexpected line {s!r}", text)
    if status is None:
        raise ParseError("ufw status: no `Status:` line", text)
    return UfwStatus(status, defaults, rules)
