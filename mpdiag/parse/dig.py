"""`dig` output: the status, the A answers, or the error line when no server answered."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_STATUS = re.compile(r"->>HEADER<<- opcode: \w+, status: (\w+)")
_ANSWER = re.compile(r"^(\S+)\s+(\d+)\s+IN\s+A\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$", re.M)
_FAILURE = re.compile(r";; (connection timed out; no servers could be reached|communications error to .*|"
                      r"no servers could be reached|.*connection refused.*|.*timed out.*)", re.I)
_SERVER = re.compile(r";; SERVER: ([^#\s]+)")


@dataclass(frozen=True)
class DigResult:
    """What one dig asked of one server. `status` is None when nothing answered."""

    status: str | None
    answers: tuple[str, ...]
    error: str | None = None
    server: str | None = None

    @property
    def resolved(self) -> bool:
        return self.status == "NOERROR" and bool(self.answers)


def parse_dig(text: str) -> DigResult:
    """Reads the header status and A records; a timeout/refusal line when there is no header."""
    status = _STATUS.search(text)
    server = _SERVER.search(text)
    answers = tuple(m[3] for m in _ANSWER.finditer(text))
    if status:
        return DigResult(status[1], answers, None, server[1] if server else None)
    failure = _FAILURE.search(text)
    if failure:
        return DigResult(None, (), failure[1].strip(), None)
    raise ParseError("dig: neither a reply header nor a failure line", text)
