"""A DHCP capture: a classic pcap file (tcpdump -w; Ethernet, Linux cooked v1/v2, raw IPv4)
or a pcapng file (Windows' `pktmon etl2pcap`, Wireshark's dumpcap) wrapped in the JSON
record the launch capture stores (`interface`, `address`, `pcap` in base64: either file,
told apart by its magic number), read into DHCP messages. Pure and bounded: at most
MAX_PACKETS records of at most MAX_BYTES in all; anything malformed is a ParseError naming
what is wrong.

pcapng (draft-ietf-opsawg-pcapng): sections (a Section Header Block sets the byte order
and resets the interfaces), Interface Description Blocks (link type, `if_tsresol`),
Enhanced, Simple and obsolete Packet Blocks; other blocks are skipped by their length. A
last block cut short when the capture was stopped is dropped, as a cut pcap record is.
pktmon logs a packet once per component it passes: the same frame at the same instant on
another interface ID is counted once."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import struct
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

MAX_PACKETS = 10000
MAX_BYTES = 16 * 1024 * 1024
MAGIC_US = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
MAGIC_NS = (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
PCAPNG_BOM = 0x1A2B3C4D
MAX_FRAME = 262144
SAME_INSTANT_S = 0.001  # pktmon: one packet at several components within this is one packet
ETHERNET, RAW, LINUX_SLL, LINUX_SLL2, NULL_LOOP = 1, 101, 113, 276, 0
TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}
COOKIE = b"\x63\x82\x53\x63"


@dataclass(frozen=True)
class DhcpMessage:
    """One DHCP message as seen on the wire."""

    time: float
    src_mac: str | None
    src_ip: str
    dst_ip: str
    op: int                   # 1 request (client), 2 reply (server)
    type: str                 # DISCOVER, OFFER, ...
    xid: int
    chaddr: str
    yiaddr: str
    server_id: str | None     # option 54
    router: str | None        # option 3, first address

    @property
    def server(self) -> str:
        """Who answered: the server identifier, else the sender's address."""
        return self.server_id or self.src_ip


@dataclass(frozen=True)
class DhcpCapture:
    interface: str
    address: str | None       # the interface's IPv4 when the capture began (the expected server)
    messages: tuple[DhcpMessage, ...]
    packets: int


def _mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def _ip(b: bytes) -> str:
    return str(ipaddress.IPv4Address(b))


def _options(data: bytes) -> dict[int, bytes]:
    opts: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            break
        n = data[i + 1]
        opts.setdefault(code, data[i + 2:i + 2 + n])
        i += 2 + n
    return opts


def _bootp(t: float, src_mac: str | None, src: str, dst: str, p: bytes) -> DhcpMessage | None:
    if len(p) < 240 or p[236:240] != COOKIE:
        return None
    op, hlen, xid = p[0], min(p[2], 16), struct.unpack(">I", p[4:8])[0]
    opts = _options(p[240:])
    kind = opts.get(53, b"")
    type_name = TYPES.get(kind[0], f"type {kind[0]}") if kind else "BOOTP"
    sid, router = opts.get(54), opts.get(3)
    return DhcpMessage(t, src_mac, src, dst, op, type_name, xid, _mac(p[28:28 + hlen]), _ip(p[16:20]),
                       _ip(sid) if sid and len(sid) == 4 else None,
                       _ip(router[:4]) if router and len(router) >= 4 else None)


def _ipv4_udp(t: float, src_mac: str | None, pkt: bytes) -> DhcpMessage | None:
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 17:
        return None
    udp = pkt[(pkt[0] & 0x0F) * 4:]
    if len(udp) < 8:
        return None
    sport, dport = struct.unpack(">HH", udp[:4])
    if sport not in (67, 68) or dport not in (67, 68):
        return None
    return _bootp(t, src_mac, _ip(pkt[12:16]), _ip(pkt[16:20]), udp[8:])


def _frame(linktype: int, t: float, frame: bytes) -> DhcpMessage | None:
    if linktype == ETHERNET:
        if len(frame) < 14:
            return None
        etype, off = struct.unpack(">H", frame[12:14])[0], 14
        while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
            etype, off = struct.unpack(">H", frame[off + 2:off + 4])[0], off + 4
        return _ipv4_udp(t, _mac(frame[6:12]), frame[off:]) if etype == 0x0800 else None
    if linktype == LINUX_SLL:
        if len(frame) < 16 or struct.unpack(">H", frame[14:16])[0] != 0x0800:
            return None
        n = struct.unpack(">H", frame[4:6])[0]
        return _ipv4_udp(t, _mac(frame[6:12]) if n == 6 else None, frame[16:])
    if linktype == LINUX_SLL2:
        if len(frame) < 20 or struct.unpack(">H", frame[0:2])[0] != 0x0800:
            return None
        return _ipv4_udp(t, _mac(frame[12:18]) if frame[11] == 6 else None, frame[20:])
    if linktype == RAW:
        return _ipv4_udp(t, None, frame)
    if linktype == NULL_LOOP:
        return _ipv4_udp(t, None, frame[4:]) if len(frame) > 4 else None
    raise ParseError(f"pcap link type {linktype} is not supported (Ethernet, Linux cooked, raw IPv4)", "")


def parse_pcap(data: bytes) -> tuple[tuple[DhcpMessage, ...], int]:
    """(the DHCP messages, the number of packets) of a classic pcap or a pcapng file."""
    if len(data) > MAX_BYTES:
        raise ParseError(f"the capture is {len(data)} bytes, more than the {MAX_BYTES} a DHCP capture can be", "")
    if data[:4] == PCAPNG_SHB:
        return parse_pcapng(data)
    if len(data) < 24 or data[:4] not in MAGIC_US + MAGIC_NS:
        raise ParseError("neither a pcap nor a pcapng file (bad magic number)", "")
    end = "<" if data[:4] in (MAGIC_US[0], MAGIC_NS[0]) else ">"
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    scale = 1e9 if data[:4] in MAGIC_NS else 1e6
    out: list[DhcpMessage] = []
    off, count = 24, 0
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        if incl > MAX_FRAME or off + incl > len(data):
            break  # a record cut short when the capture was stopped: keep the whole ones
        count += 1
        if count > MAX_PACKETS:
            raise ParseError(f"the capture holds more than {MAX_PACKETS} packets", "")
        msg = _frame(linktype, sec + frac / scale, data[off:off + incl])
        off += incl
        if msg is not None:
            out.append(msg)
    return tuple(out), count


@dataclass
class _Interface:
    linktype: int
    scale: float  # timestamp units per second (if_tsresol; default microseconds)


def _tsresol(options: bytes, end: str) -> float:
    """if_tsresol (option 9) of an Interface Description Block's options, else 1e6."""
    i = 0
    while i + 4 <= len(options):
        code, n = struct.unpack(end + "HH", options[i:i + 4])
        if code == 0:
            break
        value = options[i + 4:i + 4 + n]
        if code == 9 and n == 1:
            v = value[0]
            exp, binary = v & 0x7F, bool(v & 0x80)
            if exp > (30 if binary else 12):
                raise ParseError(f"pcapng if_tsresol 0x{v:02x} is out of range", "")
            return float(2 ** exp) if binary else float(10 ** exp)
        i += 4 + n + (-n % 4)
    return 1e6


def parse_pcapng(data: bytes) -> tuple[tuple[DhcpMessage, ...], int]:
    """(the DHCP messages, the number of packets) of a pcapng file (see the module docstring)."""
    if len(data) > MAX_BYTES:
        raise ParseError(f"the capture is {len(data)} bytes, more than the {MAX_BYTES} a DHCP capture can be", "")
    out: list[DhcpMessage] = []
    interfaces: list[_Interface] = []
    end = "<"
    off, count = 0, 0
    last: tuple[bytes, int, float] | None = None  # (frame, interface, time) of the last packet kept
    while off + 12 <= len(data):
        head = data[off:off + 4]
        if head == PCAPNG_SHB:
            bom = data[off + 8:off + 12]
            if bom == struct.pack("<I", PCAPNG_BOM):
                end = "<"
            elif bom == struct.pack(">I", PCAPNG_BOM):
                end = ">"
            else:
                raise ParseError(f"pcapng section at byte {off} has a bad byte-order magic ({bom.hex()})", "")
            interfaces = []
        kind, length = struct.unpack(end + "II", data[off:off + 8])
        if length < 12 or length % 4:
            raise ParseError(f"pcapng block at byte {off} has an impossible length {length}", "")
        if off + length > len(data):
            break  # the last block cut short when the capture was stopped: keep the whole ones
        if struct.unpack(end + "I", data[off + length - 4:off + length])[0] != length:
            raise ParseError(f"pcapng block at byte {off}: its trailing length does not match {length}", "")
        body = data[off + 8:off + length - 4]
        off += length
        if kind == 0x0A0D0D0A:
            if len(body) < 16 or struct.unpack(end + "H", body[4:6])[0] != 1:
                raise ParseError("pcapng section header is not version 1.x", "")
            continue
        if kind == 1:
            if len(body) < 8:
                raise ParseError("pcapng interface description block is too short", "")
            if len(interfaces) >= 1024:
                raise ParseError("the pcapng capture describes more than 1024 interfaces", "")
            interfaces.append(_Interface(struct.unpack(end + "H", body[:2])[0], _tsresol(body[8:], end)))
            continue
        if kind not in (2, 3, 6):
            continue  # name resolution, statistics, custom blocks...
        if kind == 3:  # simple packet block: the first interface, no timestamp
            if len(body) < 4:
                raise ParseError("pcapng simple packet block is too short", "")
            iface_id, t, frame = 0, 0.0, body[4:4 + min(struct.unpack(end + "I", body[:4])[0], MAX_FRAME)]
        else:
            if len(body) < 20:
                raise ParseError("pcapng packet block is too short", "")
            if kind == 6:
                iface_id, high, low, incl = struct.unpack(end + "IIII", body[:16])
            else:
                iface_id, _drops, high, low, incl = struct.unpack(end + "HHIII", body[:16])
            if incl > MAX_FRAME or 20 + incl > len(body):
                raise ParseError(f"pcapng packet block claims {incl} captured bytes, more than it holds", "")
            frame = body[20:20 + incl]
            t = -1.0 if iface_id >= len(interfaces) else ((high << 32) | low) / interfaces[iface_id].scale
        if iface_id >= len(interfaces):
            raise ParseError(f"pcapng packet on interface {iface_id}, which no interface block describes", "")
        if (last is not None and last[0] == frame and last[1] != iface_id
                and abs(last[2] - t) <= SAME_INSTANT_S):
            continue  # the same packet logged at another component
        last = (frame, iface_id, t)
        count += 1
        if count > MAX_PACKETS:
            raise ParseError(f"the capture holds more than {MAX_PACKETS} packets", "")
        msg = _frame(interfaces[iface_id].linktype, t, frame)
        if msg is not None:
            out.append(msg)
    if not interfaces and count == 0 and off == 0:
        raise ParseError("pcapng file without a whole section header block", "")
    return tuple(out), count


def parse_capture(text: str) -> DhcpCapture:
    """The launch capture's record: {"interface", "address", "pcap": base64}."""
    rec = load_json(text, "the DHCP capture record")
    if not isinstance(rec, dict) or not isinstance(rec.get("pcap"), str) or not isinstance(rec.get("interface"), str):
        raise ParseError("the DHCP capture record lacks its interface or pcap", text[:200])
    try:
        raw = base64.b64decode(rec["pcap"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ParseError(f"the DHCP capture's pcap is not base64 ({exc})", text[:200]) from exc
    messages, count = parse_pcap(raw)
    addr = rec.get("address")
    return DhcpCapture(rec["interface"], addr if isinstance(addr, str) else None, messages, count)
