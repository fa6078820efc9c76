"""`bcdedit /enum {current}`: is the hypervisor launched at boot?

Why: with `hypervisorlaunchtype Off` (set by some VirtualBox/Android-emulator
guides) Hyper-V is installed but not running, and every Multipass launch fails.
bcdedit needs an elevated prompt; without one it prints an "Access is denied"
message that the probe turns into "needs Administrator" via :func:`is_access_denied`.
"""

from __future__ import annotations

import re

from mpdiag.errors import ParseError

__all__ = ["parse_bcdedit", "is_access_denied"]

_PROMPT = re.compile(r"^\s*(?:PS(?: [^\n>]*)?>|[A-Za-z]:\\[^\n>]*>)")
_DASHES = re.compile(r"^\s*-{3,}\s*$")
_ROW = re.compile(r"^(\S+)[ \t]+(\S.*)$")  # one space after a 23-char key
_DENIED = (
    "access is denied",
    "zugriff verweigert",
    "accès refusé",
    "acceso denegado",
    "accesso negato",
    "could not be opened",
)


def parse_bcdedit(text: str) -> dict[str, str]:
    """Key/value rows of the first entry -> {key: value}. Keys are lowercased but not
    translated (a German `Bezeichner` stays `bezeichner`; `hypervisorlaunchtype` is
    not localized). Multi-line values (`displayorder`) are joined with newlines.
    No entry at all (an error message) -> ParseError; see :func:`is_access_denied`.
    """
    result: dict[str, str] = {}
    started = False
    last: str | None = None
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _PROMPT.match(line):
            continue
        if _DASHES.match(line):
            if started and result:
                break  # the next entry: {current} is the first
            started = True
            continue
        if not started or not line.strip():
            continue
        if line[0] in " \t" and last is not None:
            result[last] += "\n" + line.strip()
            continue
        if i + 1 < len(lines) and _DASHES.match(lines[i + 1]):
            if result:
                break  # the next entry's title: {current} is the first
            continue  # an entry title such as "Windows Boot Loader"
        m = _ROW.match(line.rstrip())
        if not m:
            raise ParseError("unexpected line in bcdedit output", text)
        last = m.group(1).lower()
        result.setdefault(last, m.group(2).strip())
    if not result:
        raise ParseError("no bcdedit entry", text)
    return result


def is_access_denied(text: str) -> bool:
    """True when bcdedit refused to open the store (not elevated)."""
    low = text.lower()
    return any(marker in low for marker in _DENIED)
