"""What a launch's DHCP capture says (pure): the new instance's exchange, classified the way
the maintainers read a capture of "timed out waiting for response": no DISCOVER, DISCOVER
without OFFER, OFFER from an unexpected server, no ACK (or a NAK), or a complete exchange."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from mpdiag.parse.dhcp_pcap import DhcpCapture, DhcpMessage

NO_DISCOVER = "no DISCOVER"
NO_OFFER = "DISCOVER without OFFER"
ROGUE_OFFER = "OFFER from an unexpected server"
NO_ACK = "no ACK"
COMPLETE = "complete"


@dataclass(frozen=True)
class Exchange:
    verdict: str
    client: str | None = None                 # the client's MAC (chaddr)
    messages: tuple[DhcpMessage, ...] = ()    # the client's exchange, in capture order
    rogue: tuple[DhcpMessage, ...] = ()       # offers/acks from a server other than the expected one

    def count(self, kind: str) -> int:
        return sum(1 for m in self.messages if m.type == kind)

    def describe(self) -> str:
        """The exchange in a line: `DISCOVER x3, OFFER from 10.97.23.1, REQUEST, ACK from ...`."""
        parts: list[str] = []
        for m in self.messages:
            label = m.type + (f" from {m.server}" if m.op == 2 else "")
            if parts and parts[-1].split(" x")[0] == label:
                head, _, n = parts[-1].partition(" x")
                parts[-1] = f"{head} x{int(n or 1) + 1}"
            else:
                parts.append(label)
        return ", ".join(parts) or "nothing"


def classify(capture: DhcpCapture, expected_server: str | None) -> Exchange:
    """The exchange of the client that sent a DISCOVER (the launching instance; the last such
    client when several did), against the server the bridge's own address says it should be."""
    msgs = capture.messages
    discovers = [m for m in msgs if m.type == "DISCOVER"]
    if not discovers:
        return Exchange(NO_DISCOVER, messages=tuple(msgs))
    client = discovers[-1].chaddr
    mine = tuple(m for m in msgs if m.chaddr == client)
    xids = {m.xid for m in mine if m.op == 1}
    replies = [m for m in mine if m.op == 2 and m.xid in xids]
    offers = [m for m in replies if m.type == "OFFER"]
    rogue = tuple(m for m in replies if expected_server and m.server != expected_server)
    if not offers:
        return Exchange(NO_OFFER, client, mine)
    if rogue:
        return Exchange(ROGUE_OFFER, client, mine, rogue)
    if not any(m.type == "ACK" for m in replies):
        return Exchange(NO_ACK, client, mine)
    return Exchange(COMPLETE, client, mine)


def rogue_servers(exchange: Exchange) -> list[str]:
    return list(dict.fromkeys(m.server for m in exchange.rogue))


def offers_by(exchange: Exchange) -> Sequence[str]:
    return list(dict.fromkeys(m.server for m in exchange.messages if m.type == "OFFER"))
