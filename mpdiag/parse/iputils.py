"""`ping` output (iputils on Linux instances, BusyBox, BSD ping on macOS): the statistics,
and why packets did not come back; `arping` (iputils) replies."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mpdiag.errors import ParseError

_STATS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received"
                    r"(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?")
_ERROR = re.compile(r"(No route to host|Network is unreachable|Destination (?:Host|Net|Port) Unreachable|"
                    r"Destination Host Prohibited|Time to live exceeded|"
                    r"Name or service not known|Temporary failure in name resolution|Unknown host|"
                    r"cannot resolve|Operation not permitted|cannot flood[^\n]*|sendto: [^\n]+)", re.I)
_RTT = re.compile(r"(?:rtt|round-trip) min/avg/max(?:/(?:mdev|stddev))? = ([\d.]+)/([\d.]+)/([\d.]+)")


@dataclass(frozen=True)
class PingResult:
    """Sent and received counts; `error` is the first telling error line, if any."""

    transmitted: int
    received: int
    error: str | None = None
    rtt_avg_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.received > 0

    @property
    def loss_percent(self) -> float:
        if not self.transmitted:
            return 100.0
        return max(0.0, 100.0 * (1 - self.received / self.transmitted))

    def summary(self) -> str:
        why = f" ({self.error})" if self.error else ""
        return f"{self.received}/{self.transmitted} replies, {self.loss_percent:.0f}% loss{why}"


def parse_ping(text: str) -> PingResult:
    """The `N packets transmitted, M received` line; an error-only output counts as 0 of 0."""
    err = _ERROR.search(text)
    m = _STATS.search(text)
    rtt = _RTT.search(text)
    if m:
        return PingResult(int(m[1]), int(m[2]), err[1] if err else None, float(rtt[2]) if rtt else None)
    if err:
        return PingResult(0, 0, err[1])
    raise ParseError("ping: no statistics line", text)


def parse_ping_streams(stdout: str, stderr: str) -> PingResult:
    """ping's counts, with every telling error line of both streams as `error` (BSD ping
    writes `ping: sendto: No route to host` to stderr, not beside its statistics)."""
    both = f"{stdout}\n{stderr}"
    counts = parse_ping(both)
    errors = list(dict.fromkeys(m[1] for m in _ERROR.finditer(both)))
    return replace(counts, error="; ".join(errors) or None)


_ARPING_HEAD = re.compile(r"^ARPING (\d{1,3}(?:\.\d{1,3}){3})(?: from (\S+))?(?: (\S+))?", re.M)
_ARPING_REPLY = re.compile(r"^Unicast reply from (\d{1,3}(?:\.\d{1,3}){3}) \[([0-9A-Fa-f:]+)\]", re.M)
_ARPING_SENT = re.compile(r"^Sent (\d+) probes?", re.M)
_ARPING_RECEIVED = re.compile(r"^Received (\d+) response", re.M)
_ARPING_ERROR = re.compile(r"^arping: (.+)$", re.M)
# Thomas Habets' arping (Homebrew on macOS): `60 bytes from MAC (IP): index=0 time=...`
_HABETS_REPLY = re.compile(r"^\d+ bytes from ([0-9A-Fa-f:]+) \((\d{1,3}(?:\.\d{1,3}){3})\)", re.M)
_HABETS_STATS = re.compile(r"(\d+) packets transmitted, (\d+) packets received")


@dataclass(frozen=True)
class ArpingResult:
    """iputils `arping -I IF -c N -w S IP`: who answered (MACs), how many of how many."""

    target: str | None
    interface: str | None
    sent: int
    received: int
    macs: tuple[str, ...]
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.received > 0 or bool(self.macs)


def parse_arping(text: str) -> ArpingResult:
    """iputils arping (Debian/Ubuntu `iputils-arping`). An error-only output (unknown
    interface, no permission) keeps the error and counts 0 of 0."""
    habets = _HABETS_STATS.search(text)
    if habets:
        h_replies = _HABETS_REPLY.findall(text)
        head = _ARPING_HEAD.search(text)
        return ArpingResult(head[1] if head else None, None, int(habets[1]), int(habets[2]),
                            tuple(dict.fromkeys(mac.lower() for mac, _ in h_replies)))
    head = _ARPING_HEAD.search(text)
    replies = _ARPING_REPLY.findall(text)
    sent = _ARPING_SENT.search(text)
    received = _ARPING_RECEIVED.search(text)
    err = _ARPING_ERROR.search(text)
    if not head and not sent and not received:
        if err:
            return ArpingResult(None, None, 0, 0, (), err[1].strip())
        raise ParseError("arping: neither an ARPING header nor a summary", text)
    macs = tuple(dict.fromkeys(mac.lower() for _, mac in replies))
    n_received = int(received[1]) if received else len(replies)
    return ArpingResult(head[1] if head else None, head[3] if head else None,
                        int(sent[1]) if sent else 0, n_received, macs,
                        err[1].strip() if err else None)
