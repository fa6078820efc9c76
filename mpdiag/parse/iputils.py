"""`ping` output (iputils on Linux instances, BSD ping on macOS): the statistics, and why
packets did not come back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_STATS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) errors)?")
_ERROR = re.compile(r"(No route to host|Network is unreachable|Destination (?:Host|Net) Unreachable|"
                    r"Name or service not known|Unknown host|cannot resolve|Operation not permitted)", re.I)


@dataclass(frozen=True)
class PingResult:
    """Sent and received counts; `error` is the first telling error line, if any."""

    transmitted: int
    received: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.received > 0

    @property
    def loss_percent(self) -> float:
        return 100.0 if not self.transmitted else 100.0 * (1 - self.received / self.transmitted)


def parse_ping(text: str) -> PingResult:
    """The `N packets transmitted, M received` line; an error-only output counts as 0 of 0."""
    err = _ERROR.search(text)
    m = _STATS.search(text)
    if m:
        return PingResult(int(m[1]), int(m[2]), err[1] if err else None)
    if err:
        return PingResult(0, 0, err[1])
    raise ParseError("ping: no statistics line", text)
