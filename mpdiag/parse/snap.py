"""`snap services multipass`: the snap's daemons, whether enabled and active.

    Service               Startup  Current  Notes
    multipass.multipassd  enabled  active   -
"""

from __future__ import annotations

from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

_NOISE = noise_pattern(r"(?:sudo\s+)?snap\s+services\b.*")


@dataclass(frozen=True)
class SnapService:
    name: str
    startup: str   # enabled | disabled
    current: str   # active | inactive
    notes: str = ""

    @property
    def active(self) -> bool:
        return self.current == "active"


def parse_snap_services(text: str) -> list[SnapService]:
    """The table's rows. No header (or an `error: snap ... not found` text) is a ParseError."""
    rows = [ln for ln in text.splitlines() if ln.strip() and not _NOISE.match(ln.strip())]
    if not rows:
        return []
    header = rows[0].split()
    if header[:3] != ["Service", "Startup", "Current"]:
        raise ParseError("snap services: no `Service Startup Current` header", text)
    out = []
    for ln in rows[1:]:
        parts = ln.split(None, 3)
        if len(parts) < 3 or parts[1] not in ("enabled", "disabled") or parts[2] not in ("active", "inactive"):
            raise ParseError(f"snap services: malformed row {ln!r}", text)
        out.append(SnapService(parts[0], parts[1], parts[2], parts[3].strip() if len(parts) > 3 else ""))
    return out
