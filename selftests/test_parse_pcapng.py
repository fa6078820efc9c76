"""pcapng DHCP captures (what `pktmon etl2pcap` writes on Windows): the lab's real tcpdump
captures converted by Wireshark's editcap (selftests/lab/record_way_out_data.py) read exactly
as the pcap they came from; the spec's variants (big-endian sections, nanosecond
timestamps, simple and obsolete packet blocks, several sections); pktmon's copies of one
packet at several components counted once; hostile files refused in one line."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

import pytest

from mpdiag.errors import ParseError
from mpdiag.host.rules import dhcp
from mpdiag.parse import dhcp_pcap

DATA = Path(__file__).parent / "data" / "way_out"


def record(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def frames_of(pcap: bytes) -> list[tuple[int, int, bytes]]:
    """(seconds, microseconds, frame) of each record of a little-endian microsecond pcap."""
    out, off = [], 24
    while off + 16 <= len(pcap):
        sec, usec, incl, _ = struct.unpack("<IIII", pcap[off:off + 16])
        out.append((sec, usec, pcap[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


def block(kind: int, body: bytes, end: str = "<") -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack(end + "II", kind, 12 + len(body)) + body + struct.pack(end + "I", 12 + len(body))


def shb(end: str = "<") -> bytes:
    return block(0x0A0D0D0A, struct.pack(end + "IHHq", 0x1A2B3C4D, 1, 0, -1), end)


def idb(end: str = "<", tsresol: int | None = None, linktype: int = 1) -> bytes:
    opts = b""
    if tsresol is not None:
        opts = struct.pack(end + "HH", 9, 1) + bytes([tsresol]) + b"\0\0\0" + struct.pack(end + "HH", 0, 0)
    return block(1, struct.pack(end + "HHI", linktype, 0, 65535) + opts, end)


def epb(frame: bytes, ts: int, iface: int = 0, end: str = "<") -> bytes:
    return block(6, struct.pack(end + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame, end)


OK_PCAP = base64.b64decode(record("dhcp_capture_ok.json")["pcap"])
FRAMES = frames_of(OK_PCAP)


@pytest.mark.parametrize("name,verdict", [("ok", dhcp.COMPLETE), ("no_offer", dhcp.NO_OFFER),
                                          ("rogue", dhcp.ROGUE_OFFER)])
def test_real_pcapng_reads_as_the_pcap_it_came_from(name, verdict):
    ng, classic = record(f"dhcp_capture_{name}_pcapng.json"), record(f"dhcp_capture_{name}.json")
    assert base64.b64decode(ng["pcap"])[:4] == b"\x0a\x0d\x0d\x0a"
    got, want = dhcp_pcap.parse_capture(json.dumps(ng)), dhcp_pcap.parse_capture(json.dumps(classic))
    assert got.messages == want.messages and got.packets == want.packets
    assert dhcp.classify(got, got.address).verdict == verdict


def test_big_endian_nanoseconds_simple_and_obsolete_blocks_and_two_sections():
    want, _ = dhcp_pcap.parse_pcap(OK_PCAP)
    (s0, u0, f0), (s1, u1, f1), (s2, u2, f2), (s3, u3, f3) = FRAMES
    obsolete = block(2, struct.pack(">HHIII", 0, 0, *divmod((s1 * 10**6 + u1) * 1000, 1 << 32), len(f1))
                     + struct.pack(">I", len(f1)) + f1, ">")
    big = shb(">") + idb(">", tsresol=9) + epb(f0, (s0 * 10**6 + u0) * 1000, end=">") + obsolete
    little = shb() + idb() + block(3, struct.pack("<I", len(f2)) + f2) + epb(f3, s3 * 10**6 + u3)
    got, count = dhcp_pcap.parse_pcapng(big + little)
    assert count == 4 and [m.type for m in got] == [m.type for m in want]
    assert [m.xid for m in got] == [m.xid for m in want]
    assert got[0].time == pytest.approx(want[0].time) and got[1].time == pytest.approx(want[1].time)
    assert got[2].time == 0.0  # a simple packet block has no timestamp


def test_pktmon_copies_at_several_components_count_once_retransmissions_twice():
    frame = FRAMES[0][2]
    copies = shb() + idb() + idb() + epb(frame, 1000, 0) + epb(frame, 1200, 1)
    assert dhcp_pcap.parse_pcapng(copies)[1] == 1
    resent = shb() + idb() + epb(frame, 1000) + epb(frame, 1_001_000)
    assert dhcp_pcap.parse_pcapng(resent)[1] == 2


def test_a_last_block_cut_short_is_dropped():
    data = shb() + idb() + epb(FRAMES[0][2], 1) + epb(FRAMES[1][2], 2)
    assert dhcp_pcap.parse_pcapng(data[:-7])[1] == 1


@pytest.mark.parametrize("data,words", [
    (shb()[:8] + b"\xde\xad\xbe\xef" + shb()[12:], "bad byte-order magic"),
    (shb() + struct.pack("<II", 6, 13) + b"\0" * 20, "impossible length"),
    (shb() + struct.pack("<II", 6, 8) + b"\0" * 20, "impossible length"),
    (shb() + idb() + epb(b"x" * 40, 1)[:-4] + struct.pack("<I", 999), "trailing length"),
    (shb() + epb(b"x" * 40, 1), "no interface block describes"),
    (shb() + idb() + block(6, struct.pack("<IIIII", 0, 0, 0, 5000, 5000) + b"x" * 8), "more than it holds"),
    (shb() + idb(tsresol=99), "if_tsresol"),
    (shb() + idb() * 1025, "more than 1024 interfaces"),
    (shb()[:10], "without a whole section header"),
    (block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 2, 0, -1)), "not version 1"),
    (shb() + idb() + epb(b"x" * 4, 1) * (dhcp_pcap.MAX_PACKETS + 1), "more than 10000 packets"),
])
def test_hostile_pcapng_is_refused_in_one_line(data, words):
    with pytest.raises(ParseError) as err:
        dhcp_pcap.parse_pcap(data)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_oversized_capture_is_refused_before_reading():
    with pytest.raises(ParseError, match="more than the"):
        dhcp_pcap.parse_pcapng(b"\x0a\x0d\x0d\x0a" + b"\0" * dhcp_pcap.MAX_BYTES)
