"""`sysctl -n net.ipv4.ip_forward`, `sysctl net.ipv4.ip_forward` and /proc/sys contents."""

from __future__ import annotations

import re

from mpdiag.errors import ParseError
from mpdiag.parse.text import noise_pattern

_NOISE = noise_pattern(r"(?:sudo\s+)?(?:\S*/)?sysctl\b.*", r"cat\s+/proc/sys/\S+")
_LINE = re.compile(r"^(?:(?P<key>[\w./-]+)\s*=\s*)?(?P<value>-?\d+)$")


def parse_sysctl_int(text: str) -> int:
    """One integer sysctl value (`1`, or `net.ipv4.ip_forward = 1`); anything else: ParseError."""
    values = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _NOISE.match(line):
            continue
        m = _LINE.match(line)
        if not m:
            raise ParseError("sysctl: not an integer value", text)
        values.append(int(m["value"]))
    if len(values) != 1:
        raise ParseError(f"sysctl: expected one value, got {len(values)}", text)
    return values[0]
