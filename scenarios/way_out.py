"""The way-out probes in their real formats, for the macOS and Windows `way-out-*` entries
(scenarios/<platform>/entries.py; built by `python scenarios/build.py`).

Inside an Ubuntu 24.04 guest: iputils 20240117 don't-fragment pings (`ping -M do`, stderr
merged), OpenSSL 3.0 `s_client -state` (stderr merged, as the probe runs it). On the host:
`multipass find --format json` as 1.16.3 prints it (alphabetical keys, `"blueprints
(deprecated)"`), the daemon's launchd plist, and the launch's DHCP capture record
(`mpdiag.capture`: {interface, address, pcap in base64}) holding a capture file built
packet by packet: a classic pcap as `tcpdump -w` writes it (macOS), or a pcapng, the
format `pktmon etl2pcap` writes (Windows), laid out per the spec (draft-ietf-opsawg-pcapng):
a Section Header, one Ethernet Interface Description, one Enhanced Packet Block per frame.
Addresses and names are made up.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Mapping, Sequence

from mpdiag.host.rules.pmtu import sizes_for
from mpdiag.probes.egress import TLS_HANDSHAKE_S as TLS_SECONDS  # the check's bound
from scenarios.build import Out

HOST = "cloud-images.ubuntu.com"
EXTERNAL_IP = "1.1.1.1"


# ---- inside the instance -------------------------------------------------------------------------

def df_ping(target: str, size: int, replied: bool, ttl: int = 56) -> str:
    """`ping -n -M do -s SIZE -c 1 -W 1 TARGET 2>&1`: one reply, or silence."""
    lines = [f"PING {target} ({target}) {size}({size + 28}) bytes of data."]
    if replied:
        lines.append(f"{size + 8} bytes from {target}: icmp_seq=1 ttl={ttl} time=11.4 ms")
    lines += ["", f"--- {target} ping statistics ---",
              f"1 packets transmitted, {1 if replied else 0} received, {0 if replied else 100}% packet loss, time 0ms"]
    if replied:
        lines.append("rtt min/avg/max/mdev = 11.418/11.418/11.418/0.000 ms")
    return "\n".join(lines) + "\n"


def df_frag_needed(target: str, size: int, hop: str, mtu: int) -> str:
    """The same ping answered by a hop's ICMP "fragmentation needed" (what a working smaller-MTU path says)."""
    return (f"PING {target} ({target}) {size}({size + 28}) bytes of data.\n"
            f"From {hop} icmp_seq=1 Frag needed and DF set (mtu = {mtu})\n\n"
            f"--- {target} ping statistics ---\n"
            "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n")


def df_ladder(target: str, largest: int, mtu: int = 1500, ttl: int = 56,
              told: tuple[str, int] | None = None) -> list[Out]:
    """The DF pings the path-MTU check sends to one target (from the interface's full size
    down the ladder until one comes back): every size above `largest` vanishes, or, with
    `told` = (hop, path MTU), is refused by that hop with "Frag needed"."""
    out = []
    for size in sizes_for(mtu):
        ok = size <= largest
        text = (df_ping(target, size, ok, ttl) if ok or told is None else df_frag_needed(target, size, *told))
        out.append(Out(text, 0 if ok else 1, params={"size": str(size), "target": target}))
        if ok:
            break
    return out


def _cert_block(chain: list[tuple[str, str]], verify: tuple[int, str]) -> str:
    out = ["CONNECTED(00000003)", "---", "Certificate chain"]
    for depth, (subject, issuer) in enumerate(chain):
        out += [f" {depth} s:{subject}", f"   i:{issuer}",
                "   a:PKEY: rsaEncryption, 2048 (bit); sigalg: RSA-SHA256",
                "   v:NotBefore: Oct 30 07:12:03 2026 GMT; NotAfter: Jan 28 07:12:02 2027 GMT"]
    out += ["---", "Server certificate", "-----BEGIN CERTIFICATE-----",
            "MIIFBjCCA+6gAwIBAgISBE1jdGlvbiBpcyByZWRhY3RlZCBoZXJlLjANBgkqhkiG",
            "-----END CERTIFICATE-----", f"subject={chain[0][0]}", f"issuer={chain[0][1]}", "---",
            "No client certificate CA names sent", "Peer signing digest: SHA256", "Peer signature type: RSA-PSS",
            "Server Temp Key: X25519, 253 bits", "---",
            "SSL handshake has read 4731 bytes and written 401 bytes",
            f"Verification: {'OK' if verify[0] == 0 else 'error'}", "---",
            "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384", "Server public key is 2048 bit",
            "Secure Renegotiation IS NOT supported", "Compression: NONE", "Expansion: NONE", "No ALPN negotiated",
            "Early data was not sent", f"Verify return code: {verify[0]} ({verify[1]})", "---", "DONE"]
    return "\n".join(out) + "\n"


STATES_DONE = ["before SSL initialization", "SSLv3/TLS write client hello", "SSLv3/TLS write client hello",
               "SSLv3/TLS read server hello", "TLSv1.3 read encrypted extensions"]
STATES_END = ["SSLv3/TLS read server certificate", "TLSv1.3 read server certificate verify",
              "SSLv3/TLS read finished", "SSLv3/TLS write change cipher spec", "SSLv3/TLS write finished"]


def _s_client(chain: list[tuple[str, str]], verify_lines: list[str], verify: tuple[int, str]) -> str:
    lines = [f"SSL_connect:{s}" for s in STATES_DONE] + verify_lines + [f"SSL_connect:{s}" for s in STATES_END]
    return "\n".join(lines) + "\n" + _cert_block(chain, verify)


def s_client_public() -> str:
    """cloud-images.ubuntu.com's Let's Encrypt chain, verified."""
    chain = [(f"CN = {HOST}", "C = US, O = Let's Encrypt, CN = R11"),
             ("C = US, O = Let's Encrypt, CN = R11", "C = US, O = Internet Security Research Group, CN = ISRG Root X1")]
    return _s_client(chain, ["depth=2 C = US, O = Internet Security Research Group, CN = ISRG Root X1",
                             "verify return:1", "depth=1 C = US, O = Let's Encrypt, CN = R11", "verify return:1",
                             f"depth=0 CN = {HOST}", "verify return:1"], (0, "ok"))


def s_client_zscaler() -> str:
    """The same handshake through Zscaler's TLS inspection: its root is not in the guest's store."""
    root = "C = US, ST = California, L = San Jose, O = Zscaler Inc., OU = Zscaler Inc., CN = Zscaler Root CA"
    inter = ("C = US, ST = California, O = Zscaler Inc., OU = Zscaler Inc., "
             "CN = Zscaler Intermediate Root CA (zscaler.net) (t) ")
    chain = [(f"CN = {HOST}", inter), (inter, root)]
    return _s_client(chain, [f"depth=2 {root}", "verify error:num=20:unable to get local issuer certificate",
                             "verify return:1", f"depth=1 {inter}", "verify return:1", f"depth=0 CN = {HOST}",
                             "verify return:1"], (20, "unable to get local issuer certificate"))


def tls_out(text: str, rc: int = 0) -> Out:
    return Out(text, rc, params={"seconds": str(TLS_SECONDS), "host": HOST, "port": "443"})


# ---- on the host ----------------------------------------------------------------------------------

FIND_OK = json.dumps({"blueprints (deprecated)": {}, "errors": [], "images": {
    "22.04": {"aliases": ["jammy"], "os": "Ubuntu", "release": "22.04 LTS", "remote": "", "version": "20261112"},
    "24.04": {"aliases": ["noble", "lts"], "os": "Ubuntu", "release": "24.04 LTS", "remote": "",
              "version": "20261118"}}}, indent=4, sort_keys=True) + "\n"
FIND_FAILED = 'find failed: Remote "" is unknown or unreachable.\n'

PLIST = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>EnvironmentVariables</key>
	<dict>
		<key>PATH</key>
		<string>/Library/Application Support/com.canonical.multipass/bin:/usr/bin:/bin:/usr/sbin:/sbin</string>
{extra}	</dict>
	<key>KeepAlive</key>
	<true/>
	<key>Label</key>
	<string>com.canonical.multipassd</string>
	<key>ProgramArguments</key>
	<array>
		<string>/Library/Application Support/com.canonical.multipass/bin/multipassd</string>
		<string>--verbosity</string>
		<string>debug</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>StandardErrorPath</key>
	<string>/Library/Logs/Multipass/multipassd.log</string>
</dict>
</plist>
"""


def plist(proxy: str | None = None) -> str:
    """/Library/LaunchDaemons/com.canonical.multipassd.plist (the installer's sets only PATH)."""
    extra = f"\t\t<key>http_proxy</key>\n\t\t<string>{proxy}</string>\n" if proxy else ""
    return PLIST.replace("{extra}", extra)


def shell_env(env: Mapping[str, str]) -> str:
    """The shell_proxy_env probe's JSON (the doctor's own environment's proxy variables)."""
    return json.dumps(dict(env), sort_keys=True)


# ---- a DHCP exchange, frame by frame ---------------------------------------------------------------

def _csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF


def _ip4(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def _mac(m: str) -> bytes:
    return bytes(int(x, 16) for x in m.split(":"))


def dhcp_frame(kind: int, xid: int, client: str, src_mac: str, src: str, dst: str, yiaddr: str = "0.0.0.0",
               server: str | None = None, router: str | None = None, mask: str = "255.255.255.0",
               hostname: str = "primary") -> bytes:
    """One Ethernet frame of a DHCP message (RFC 2131/2132): BOOTP header, magic cookie,
    message type, server identifier, lease time, mask, router and DNS (replies), the
    parameter request list and host name (requests)."""
    op = 1 if kind in (1, 3) else 2
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, _ip4(yiaddr),
                        b"\0" * 4, b"\0" * 4, _mac(client) + b"\0" * 10, b"", b"")
    opts = b"\x63\x82\x53\x63" + bytes([53, 1, kind])
    if server:
        opts += bytes([54, 4]) + _ip4(server) + bytes([51, 4]) + struct.pack("!I", 85536)
        opts += bytes([1, 4]) + _ip4(mask)
    if router:
        opts += bytes([3, 4]) + _ip4(router) + bytes([6, 4]) + _ip4(router)
    if kind in (1, 3):
        name = hostname.encode()
        opts += bytes([55, 4, 1, 3, 6, 15, 12, len(name)]) + name
    opts += b"\xff"
    payload = bootp + opts
    sport, dport = (68, 67) if op == 1 else (67, 68)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0x10 if op == 1 else 0, 20 + len(udp), 0, 0, 64 if op == 2 else 128,
                     17, 0, _ip4(src), _ip4(dst))
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return b"\xff" * 6 + _mac(src_mac) + b"\x08\x00" + ip + udp


def exchange(client: str, server_mac: str, server: str, offered: str, router: str, xid: int = 0x3903F326,
             offer: bool = True, discovers: int = 1, mask: str = "255.255.255.0",
             hostname: str = "primary") -> list[bytes]:
    """DISCOVER (xN), then OFFER, REQUEST, ACK unless `offer` is False."""
    frames = [dhcp_frame(1, xid, client, client, "0.0.0.0", "255.255.255.255", hostname=hostname)
              for _ in range(discovers)]
    if offer:
        frames += [dhcp_frame(2, xid, client, server_mac, server, offered, offered, server, router, mask),
                   dhcp_frame(3, xid, client, client, "0.0.0.0", "255.255.255.255", hostname=hostname),
                   dhcp_frame(5, xid, client, server_mac, server, offered, offered, server, router, mask)]
    return frames


def _stamp(i: int, t0: int) -> tuple[int, int]:
    return t0 + i // 4, (i * 137000) % 1000000  # seconds, microseconds


def pcap(frames: Sequence[bytes], t0: int = 1795169000) -> bytes:
    """A classic pcap (little-endian, microseconds, Ethernet, snaplen 1500) as tcpdump -w writes it."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 1500, 1)
    for i, f in enumerate(frames):
        sec, usec = _stamp(i, t0)
        out += struct.pack("<IIII", sec, usec, len(f), len(f)) + f
    return out


def _block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def pcapng(frames: Sequence[bytes], t0: int = 1795169000, comment: str = "") -> bytes:
    """A pcapng (little-endian): Section Header (version 1.0, length unknown), one Ethernet
    Interface Description (snaplen 1500, default microsecond timestamps), one Enhanced Packet
    Block per frame (timestamp in microseconds as high and low 32 bits)."""
    shb_opts = (_option(1, comment.encode()) + _option(0, b"")) if comment else b""
    out = _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts)
    out += _block(1, struct.pack("<HHI", 1, 0, 1500))
    for i, f in enumerate(frames):
        sec, usec = _stamp(i, t0)
        ts = sec * 1000000 + usec
        out += _block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
    return out


def capture_record(interface: str, address: str, data: bytes) -> str:
    """mpdiag.capture's record: the capture file (pcap or pcapng) in base64."""
    return json.dumps({"address": address, "interface": interface,
                       "pcap": base64.b64encode(data).decode("ascii")}, sort_keys=True)
