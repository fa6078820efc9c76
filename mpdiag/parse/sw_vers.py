"""`sw_vers` (macOS): the OS release.

Checks depend on it: macOS 15 changed the leases file (Multipass >= 1.14.1 needed),
macOS 26 moved vmnet's subnet (>= 1.16.2). Reads the old (`ProductName: Mac OS X`)
and new (`ProductName: macOS`) layouts, tab- or space-separated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_FIELD = re.compile(r"^[ \t]*(ProductName|ProductVersion|BuildVersion):[ \t]*(\S.*)", re.M)  # value rstripped
_VERSION = re.compile(r"[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}")


@dataclass(frozen=True)
class SwVers:
    """Product name, version string (`15.1`, `10.15.7`) and build (`24B83`)."""

    product_name: str
    version: str
    build: str | None

    @property
    def major(self) -> int:
        """First component: 10 for every Mac OS X / 10.x release, then 11, 12, ... 26."""
        return int(self.version.split(".")[0])

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """`10.15.7` -> (10, 15, 7), for comparisons."""
        return tuple(int(p) for p in self.version.split("."))


def parse_sw_vers(text: str) -> SwVers:
    """ParseError unless ProductVersion is present and numeric."""
    fields = {m.group(1): m.group(2).rstrip() for m in _FIELD.finditer(text)}
    version = fields.get("ProductVersion", "")
    if not _VERSION.fullmatch(version):
        raise ParseError("no ProductVersion in sw_vers output", text)
    return SwVers(fields.get("ProductName", "macOS"), version, fields.get("BuildVersion"))
