"""AppArmor denials in the journal (`journalctl -o short-iso`, kernel and audit transports).

Pure. The kernel prints a denial as

    2026-11-27T22:24:39+0000 host kernel: audit: type=1400 audit(1764282279.123:89): apparmor="DENIED"
        operation="open" class="file" profile="snap.multipass.multipassd" name="/etc/..." pid=2871
        comm="multipassd" requested_mask="r" denied_mask="r" fsuid=0 ouid=0

and journald's audit transport as `... host audit[2871]: AVC apparmor="DENIED" operation=...`
(one line each). Fields are `key=value` or `key="value"`; the profile of Multipass's
snap is `snap.multipass.*`, its dnsmasq's `multipass.dnsmasq` and each instance's QEMU
`multipass.<instance>.qemu-system-<arch>` (the last two: as Multipass names the profiles
it generates; unconfirmed beyond the CLI reference).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FIELD = re.compile(r'(\w+)=(?:"([^"]*)"|(\S+))')
_STAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s")
MAX_LINE = 8192


@dataclass(frozen=True)
class Denial:
    """One `apparmor="DENIED"` line."""

    timestamp: str | None
    profile: str
    operation: str | None
    name: str | None
    comm: str | None
    denied_mask: str | None
    line: str

    @property
    def multipass(self) -> bool:
        """The profile is Multipass's (the snap's, its dnsmasq's, an instance's QEMU)."""
        return "multipass" in self.profile.lower()

    def describe(self) -> str:
        what = " ".join(filter(None, (self.operation, self.name and f"of {self.name}",
                                      self.denied_mask and f"(denied {self.denied_mask})")))
        by = f" by {self.comm}" if self.comm else ""
        when = f" at {self.timestamp}" if self.timestamp else ""
        return f"profile {self.profile} denied {what or 'an operation'}{by}{when}"


@dataclass(frozen=True)
class JournalDenials:
    """The journal read: how many entries (journalctl's `-- ... --` markers aside), and the denials."""

    entries: int
    denials: tuple[Denial, ...]


def parse_journal(text: str) -> JournalDenials:
    """The journal's entry count and its AppArmor denials (`-- No entries --`: 0, none)."""
    lines = [ln for ln in text.split("\n") if ln.strip() and not (ln.startswith("-- ") and ln.rstrip().endswith(" --"))]
    return JournalDenials(len(lines), tuple(parse_denials(text)))


def parse_denials(text: str) -> list[Denial]:
    """Every AppArmor DENIED line, oldest first (any profile). Lines over 8 KiB are cut."""
    out = []
    for raw in text.split("\n"):
        if 'apparmor="DENIED"' not in raw:
            continue
        line = raw.strip()[:MAX_LINE]
        fields = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _FIELD.finditer(line)}
        if fields.get("apparmor") != "DENIED" or not fields.get("profile"):
            continue
        stamp = _STAMP.match(line)
        out.append(Denial(stamp.group(1) if stamp else None, fields["profile"], fields.get("operation"),
                          fields.get("name"), fields.get("comm"), fields.get("denied_mask"), line))
    return out
