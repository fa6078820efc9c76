"""The path-MTU verdict from a ladder of don't-fragment pings (pure: no probes run here).

The ladder starts at the interface's own MTU (payload = MTU - 28) and walks down a few
sizes until one comes back. A size that vanished *silently* (no reply, no ICMP
"fragmentation needed", no local "message too long") while a smaller one passed is a
path-MTU black hole: TCP's full-size segments die the same way, so connections stall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from mpdiag.parse.pmtu import DfPing

LADDER = (1472, 1400, 1300, 1200, 1000, 548)
HEADERS = 28  # ICMP 8 + IPv4 20


def sizes_for(mtu: int) -> list[int]:
    """Payload sizes to try, largest first: the interface's full size, then the ladder below it."""
    top = mtu - HEADERS
    return [top] + [s for s in LADDER if s < top]


@dataclass(frozen=True)
class PathVerdict:
    """What the ladder to one target showed."""

    target: str
    mtu: int
    tried: tuple[DfPing, ...]

    @property
    def largest(self) -> int | None:
        """The largest payload that came back (None: none did)."""
        return next((r.size for r in self.tried if r.replied), None)

    @property
    def silent(self) -> tuple[DfPing, ...]:
        """Sizes above the largest passing one that vanished without a word."""
        top = self.largest
        return tuple(r for r in self.tried if r.silent and (top is None or r.size > top))

    @property
    def black_hole(self) -> bool:
        return bool(self.silent)

    @property
    def told_mtu(self) -> int | None:
        """An MTU someone reported (a router's "Frag needed", the kernel's PMTU cache)."""
        return next((r.told_mtu for r in self.tried if r.told_mtu), None)

    @property
    def full_size_passes(self) -> bool:
        return self.largest is not None and self.largest + HEADERS >= self.mtu

    def describe(self) -> str:
        """One sentence: what passed, what vanished, against the interface MTU."""
        gone = ", ".join(f"{r.size} ({r.packet}-byte packets)" for r in self.silent)
        top = self.largest
        passed = (f"{top} bytes ({top + HEADERS}-byte packets) is the largest that passes"
                  if top is not None else "no size passes, not even " + str(self.tried[-1].size))
        told = f"; told MTU {self.told_mtu}" if self.told_mtu else ""
        if gone:
            return f"DF pings of {gone} vanished without a 'Frag needed' reply, {passed}{told}"
        return f"{passed}{told}"


def judge(target: str, mtu: int, results: Sequence[DfPing]) -> PathVerdict:
    return PathVerdict(target, mtu, tuple(results))


def suggested_mtu(verdicts: Sequence[PathVerdict]) -> int | None:
    """An MTU that passes everywhere the ladder went (the smallest largest-passing packet)."""
    sizes = [v.largest + HEADERS for v in verdicts if v.largest is not None]
    return min(sizes) if sizes else None
