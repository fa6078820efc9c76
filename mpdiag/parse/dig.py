"""`dig` output: the status, the A answers, or the error line when no server answered.

Formats seen: BIND 9.10 (the guide's `;; connection timed out; no servers could be
reached`), 9.16/9.18 (`;; communications error to S#53: timed out|connection refused|
host unreachable`, `;; UDP setup with S#53(S) for N failed: network unreachable.`),
and a reply header that follows earlier failed tries (`+tries=2`): the header wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_STATUS = re.compile(r"->>HEADER<<- opcode: \w+, status: (\w+)")
_ANSWER = re.compile(r"^(\S+)\s+(\d+)\s+IN\s+A\s+(\d{1,3}(?:\.\d{1,3}){3})\s*$", re.M)
_FAILURE = re.compile(r"^;; (connection timed out; no servers could be reached|communications error to .*|"
                      r"UDP setup with .* failed: .*|no servers could be reached|"
                      r".*connection refused.*|.*timed out.*)$", re.I | re.M)
_TOOL_FAILURE = re.compile(r"^dig: (couldn't get address for .*|.*)$", re.M)
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

    def summary(self) -> str:
        if self.resolved:
            return ", ".join(self.answers)
        if self.status:
            return f"status {self.status}" + ("" if self.status != "NOERROR" else " but no A record")
        return self.error or "no reply"


def parse_dig(text: str) -> DigResult:
    """Reads the header status and A records; a timeout/refusal line when there is no header."""
    status = _STATUS.search(text)
    server = _SERVER.search(text)
    answers = tuple(m[3] for m in _ANSWER.finditer(text))
    if status:
        return DigResult(status[1], answers, None, server[1] if server else None)
    failures = [m[1].strip() for m in _FAILURE.finditer(text)]
    if failures:
        # the most specific line: 9.18 prints the per-try error, then "no servers could be reached"
        specific = [f for f in failures if not f.lower().startswith("no servers")]
        return DigResult(None, (), (specific or failures)[0].rstrip("."), None)
    tool = _TOOL_FAILURE.search(text)
    if tool:
        return DigResult(None, (), tool[1].strip(), None)
    raise ParseError("dig: neither a reply header nor a failure line", text)
