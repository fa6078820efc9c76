"""Builds the way-out replay scenarios (path MTU, TLS, image servers and proxies, the launch's
DHCP exchange) for macOS and Windows: `python scenarios/way_out_make.py` (outputs committed).

Each starts from a host scenario (copied, never edited), adds what a recording of the
instance side holds in an Ubuntu 24.04 guest's real formats (iputils DF pings,
OpenSSL 3.0 `s_client -state` with stderr merged, the launch capture's JSON record with a
pcap built packet by packet as tcpdump writes it), the host's `multipass find --format json`
(1.16.3) and the place the daemon reads its proxy from (the launchd plist, the Windows
machine environment), and the user's shell. Parameterised probes are written one file per
params where the bundle format keeps params (format 2), else one file per probe.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import shutil
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mpdiag import bundle as _bundle  # noqa: E402

_spec = importlib.util.spec_from_file_location("instance_make", HERE / "macos" / "instance-make.py")
im = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(im)  # type: ignore[union-attr]

HOST = "cloud-images.ubuntu.com"
WAY_OUT_IDS = ["instance.net.path_mtu", "instance.net.https_external", "instance.launch.dhcp_exchange"]
PARAMS = getattr(_bundle, "FORMAT", 1) >= 2 and hasattr(_bundle, "stem")


# ---- real formats --------------------------------------------------------------------------------

def df_ping(target: str, size: int, replied: bool, ttl: int = 56) -> str:
    lines = [f"PING {target} ({target}) {size}({size + 28}) bytes of data."]
    if replied:
        lines.append(f"{size + 8} bytes from {target}: icmp_seq=1 ttl={ttl} time=11.4 ms")
    lines += ["", f"--- {target} ping statistics ---",
              f"1 packets transmitted, {1 if replied else 0} received, {0 if replied else 100}% packet loss, time 0ms"]
    if replied:
        lines.append("rtt min/avg/max/mdev = 11.418/11.418/11.418/0.000 ms")
    return "\n".join(lines) + "\n"


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


def s_client_public() -> str:
    chain = [(f"CN = {HOST}", "C = US, O = Let's Encrypt, CN = R11"),
             ("C = US, O = Let's Encrypt, CN = R11", "C = US, O = Internet Security Research Group, CN = ISRG Root X1")]
    verify = ["depth=2 C = US, O = Internet Security Research Group, CN = ISRG Root X1", "verify return:1",
              "depth=1 C = US, O = Let's Encrypt, CN = R11", "verify return:1", f"depth=0 CN = {HOST}",
              "verify return:1"]
    lines = [f"SSL_connect:{s}" for s in STATES_DONE] + verify + [f"SSL_connect:{s}" for s in STATES_END]
    return "\n".join(lines) + "\n" + _cert_block(chain, (0, "ok"))


def s_client_zscaler() -> str:
    root = "C = US, ST = California, L = San Jose, O = Zscaler Inc., OU = Zscaler Inc., CN = Zscaler Root CA"
    inter = ("C = US, ST = California, O = Zscaler Inc., OU = Zscaler Inc., "
             "CN = Zscaler Intermediate Root CA (zscaler.net) (t) ")
    chain = [(f"CN = {HOST}", inter), (inter, root)]
    verify = [f"depth=2 {root}", "verify error:num=20:unable to get local issuer certificate", "verify return:1",
              f"depth=1 {inter}", "verify return:1", f"depth=0 CN = {HOST}", "verify return:1"]
    lines = [f"SSL_connect:{s}" for s in STATES_DONE] + verify + [f"SSL_connect:{s}" for s in STATES_END]
    return "\n".join(lines) + "\n" + _cert_block(chain, (20, "unable to get local issuer certificate"))


def s_client_stalled() -> str:
    return "SSL_connect:before SSL initialization\nSSL_connect:SSLv3/TLS write client hello\n"


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
    extra = f"\t\t<key>http_proxy</key>\n\t\t<string>{proxy}</string>\n" if proxy else ""
    return PLIST.replace("{extra}", extra)


# ---- a pcap of a DHCP exchange, as tcpdump -w writes it (Ethernet, microseconds) ------------------

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
               server: str | None = None, router: str | None = None) -> bytes:
    op = 1 if kind in (1, 3) else 2
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, _ip4(yiaddr),
                        b"\0" * 4, b"\0" * 4, _mac(client) + b"\0" * 10, b"", b"")
    opts = b"\x63\x82\x53\x63" + bytes([53, 1, kind])
    if server:
        opts += bytes([54, 4]) + _ip4(server) + bytes([51, 4]) + struct.pack("!I", 85536)
        opts += bytes([1, 4, 255, 255, 255, 0])
    if router:
        opts += bytes([3, 4]) + _ip4(router) + bytes([6, 4]) + _ip4(router)
    if kind in (1, 3):
        opts += bytes([55, 4, 1, 3, 6, 15, 12, 7]) + b"primary"
    opts += b"\xff"
    payload = bootp + opts
    sport, dport = (68, 67) if op == 1 else (67, 68)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0x10 if op == 1 else 0, 20 + len(udp), 0, 0, 64 if op == 2 else 128,
                     17, 0, _ip4(src), _ip4(dst))
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return b"\xff" * 6 + _mac(src_mac) + b"\x08\x00" + ip + udp


def pcap(frames: list[bytes], t0: int = 1795169000) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 1500, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", t0 + i // 4, (i * 137000) % 1000000, len(f), len(f)) + f
    return out


def capture_record(interface: str, address: str, frames: list[bytes]) -> str:
    return json.dumps({"address": address, "interface": interface,
                       "pcap": base64.b64encode(pcap(frames)).decode("ascii")}, sort_keys=True)


def exchange(client: str, server_mac: str, server: str, offered: str, router: str, xid: int = 0x3903F326,
             offer: bool = True, discovers: int = 1) -> list[bytes]:
    frames = [dhcp_frame(1, xid, client, client, "0.0.0.0", "255.255.255.255") for _ in range(discovers)]
    if offer:
        frames += [dhcp_frame(2, xid, client, server_mac, server, offered, offered, server, router),
                   dhcp_frame(3, xid, client, client, "0.0.0.0", "255.255.255.255"),
                   dhcp_frame(5, xid, client, server_mac, server, offered, offered, server, router)]
    return frames


# ---- writing scenarios -------------------------------------------------------------------------------

def _name(probe: str, params: dict[str, object]) -> str:
    if PARAMS and params:
        return _bundle.stem(probe, _bundle.params_key(params))
    return probe


def write_probe(d: Path, probe: str, out: str, meta: dict | None, params: dict[str, object] | None = None) -> None:
    d.mkdir(parents=True, exist_ok=True)
    stem = _name(probe, params or {})
    (d / f"{stem}.out").write_text(out)
    if meta is not None:
        if PARAMS and params:
            meta = {**meta, "params": {k: str(v) for k, v in params.items()}}
        (d / f"{stem}.json").write_text(json.dumps(meta, indent=2) + "\n")


def copy_base(platform: str, name: str, base: str, about: str) -> tuple[Path, dict[str, str]]:
    src, dst = HERE / platform / base, HERE / platform / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("expected.json"))
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["about"] = f"{about} (from scenarios/{platform}/{base})"
    (dst / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return dst, json.loads((src / "expected.json").read_text())


def finish(dst: Path, expected: dict[str, str]) -> None:
    (dst / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


# ---- macOS ---------------------------------------------------------------------------------------

MAC_IDS = {"instance.launch.gets_ip": "skipped", "instance.arp.extra_ips": "skipped"}
MAC_GW, MAC_IP, MAC_CLIENT = im.GW, f"{im.SUBNET}.3", "52:54:00:9c:41:07"  # the launched one
PROXY = "http://proxy.corp.example:3128"


def mac_instance_probes(d: Path, pings: dict[tuple[str, int], bool], tls: str | None, tls_rc: int = 0) -> None:
    """The way-out probes of primary (192.168.252.2 on enp0s1, MTU 1500)."""
    i = d / "instances" / "primary" / "probes"
    for (target, size), ok in pings.items():
        argv = ["sh", "-c", 'exec ping -n -M do -s "$0" -c 1 -W 1 "$1" 2>&1', str(size), target]
        write_probe(i, "ping_df", df_ping(target, size, ok, 64 if target == MAC_GW else 56),
                    im.meta(argv, 0 if ok else 1), {"size": size, "target": target})
    if tls is not None:
        argv = ["sh", "-c", 'exec timeout "$0" openssl s_client -state -connect "$1:$2" -servername "$1" '
                            '</dev/null 2>&1', "5", HOST, "443"]
        write_probe(i, "tls_handshake", tls, im.meta(argv, tls_rc), {"seconds": 5, "host": HOST, "port": "443"})


def mac_host_probes(d: Path, find_ok: bool, daemon_proxy: str | None, shell: dict[str, str]) -> None:
    p = d / "probes"
    if find_ok:
        write_probe(p, "multipass_find", FIND_OK, None)
    else:
        write_probe(p, "multipass_find", "", {"argv": ["multipass", "find", "--format", "json"], "rc": 2,
                                              "stderr": FIND_FAILED, "timed_out": False, "duration": 10.4})
    write_probe(p, "launchd_proxy", plist(daemon_proxy), None)
    write_probe(p, "shell_proxy_env", json.dumps(shell, sort_keys=True), None)


HEALTHY_PINGS = {(MAC_GW, 1472): True, (im.EXTERNAL_IP, 1472): True}
HOLE_PINGS = {(MAC_GW, 1472): True, (im.EXTERNAL_IP, 1472): False, (im.EXTERNAL_IP, 1400): False,
              (im.EXTERNAL_IP, 1300): True}


def build_macos() -> None:
    d, exp = copy_base("macos", "way-out-healthy", "instance-healthy",
                       "the way out works: full-size DF pings pass, the TLS handshake with cloud-images.ubuntu.com "
                       "is trusted (Let's Encrypt), `multipass find` lists images, no proxy anywhere")
    mac_instance_probes(d, HEALTHY_PINGS, s_client_public())
    mac_host_probes(d, True, None, {})
    finish(d, {**exp, **MAC_IDS, "instance.net.path_mtu": "passed", "instance.net.https_external": "passed",
               "instance.launch.dhcp_exchange": "skipped", "macos.multipass.image_servers": "passed"})

    d, exp = copy_base("macos", "way-out-tls-inspection", "instance-healthy",
                       "Zscaler inspects TLS: cloud-images.ubuntu.com presents a Zscaler-issued certificate the "
                       "instance does not trust")
    mac_instance_probes(d, HEALTHY_PINGS, s_client_zscaler())
    finish(d, {**exp, **MAC_IDS, "instance.net.path_mtu": "passed", "instance.net.https_external": "failed"})

    d, exp = copy_base("macos", "way-out-proxy-in-shell-only", "healthy",
                       "a corporate proxy is required; http_proxy is set in the user's shell only, the launchd "
                       "plist has none, so multipassd cannot reach the image servers")
    mac_host_probes(d, False, None, {"http_proxy": PROXY, "https_proxy": PROXY})
    finish(d, {**exp, "macos.multipass.image_servers": "failed"})

    d, exp = copy_base("macos", "way-out-proxy-in-plist", "healthy",
                       "the proxy is in multipassd's launchd plist (EnvironmentVariables): find lists images")
    mac_host_probes(d, True, PROXY, {"http_proxy": PROXY})
    finish(d, {**exp, "macos.multipass.image_servers": "passed"})

    if PARAMS:  # one answer per DF size needs a bundle that keeps params
        d, exp = copy_base("macos", "way-out-mtu-blackhole", "instance-healthy",
                           "a VPN with a smaller MTU drops ICMP 'fragmentation needed': 1472- and 1400-byte DF "
                           "pings to 1.1.1.1 vanish, 1300 passes; TLS stalls after the ClientHello")
        mac_instance_probes(d, HOLE_PINGS, None)
        finish(d, {**exp, **MAC_IDS, "instance.net.path_mtu": "failed", "instance.net.https_external": "skipped"})

    bridge_mac = "be:d0:74:5e:2a:64"
    for name, about, frames, outcome, launch_rc in [
        ("way-out-dhcp-complete", "the launched instance's DHCP exchange with bootpd on bridge100 completes",
         exchange(MAC_CLIENT, bridge_mac, MAC_GW, MAC_IP, MAC_GW), "passed", 0),
        ("way-out-dhcp-no-offer", "bootpd does not answer: the launch's capture shows DISCOVER x3 without OFFER",
         exchange(MAC_CLIENT, bridge_mac, MAC_GW, MAC_IP, MAC_GW, offer=False, discovers=3), "failed", 2),
        ("way-out-dhcp-rogue", "a rogue DHCP server (a router bridged in by another VM) answers the launch",
         exchange(MAC_CLIENT, "02:42:ac:11:00:02", f"{im.SUBNET}.254", f"{im.SUBNET}.77", f"{im.SUBNET}.254"),
         "failed", 0)]:
        d, exp = copy_base("macos", name, "healthy", about)
        argv = ["sudo", "-n", "tcpdump", "--immediate-mode", "-i", "bridge100", "-n", "-U", "-s", "1500", "-c", "64", "-w",
                "/tmp/mpdiag-dhcp-x1y2.pcap", "udp and (port 67 or port 68)"]
        write_probe(d / "probes", "dhcp_capture", capture_record("bridge100", MAC_GW, frames),
                    {"argv": argv, "rc": 0, "stderr": "tcpdump: listening on bridge100, link-type EN10MB "
                     "(Ethernet), snapshot length 1500 bytes\n", "timed_out": False, "duration": 31.2})
        launched = "mpdiag-x1y2z3"
        write_probe(d / "probes", "multipass_launch", f"Launched: {launched}\n" if launch_rc == 0 else "",
                    {"argv": ["multipass", "launch", "--name", launched, "--timeout", "300"], "rc": launch_rc,
                     "stderr": "" if launch_rc == 0 else
                     f"launch failed: The following errors occurred:\n{launched}: timed out waiting for response\n",
                     "timed_out": False, "duration": 31.0})
        listing = json.loads((d / "probes" / "multipass_list.out").read_text())
        ip = MAC_IP if "rogue" not in name else f"{im.SUBNET}.77"
        listing["list"].append({"ipv4": [ip] if launch_rc == 0 else [], "name": launched,
                                "release": "Ubuntu 24.04 LTS", "state": "Running" if launch_rc == 0 else "Unknown"})
        (d / "probes" / "multipass_list.out").write_text(json.dumps(listing, indent=4) + "\n")
        if launch_rc == 0:  # a recording of a running instance holds in-instance probes
            i = d / "instances" / launched / "probes"
            write_probe(i, "ip_addr", im.ip_addr([ip]), im.meta(im.ARGV["ip_addr"]))
        finish(d, {**exp, "instance.launch.dhcp_exchange": outcome,
                   "instance.launch.gets_ip": "passed" if launch_rc == 0 else "failed"})


# ---- Windows ---------------------------------------------------------------------------------------

WIN_SUBNET, WIN_GW, WIN_IP, WIN_IF = "172.22.160.0", "172.22.160.1", "172.22.165.23", "eth0"


def win_ip_addr() -> str:
    return json.dumps([
        {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536, "qdisc": "noqueue",
         "operstate": "UNKNOWN", "group": "default", "txqlen": 1000,
         "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host", "label": "lo",
                        "valid_life_time": 4294967295, "preferred_life_time": 4294967295}]},
        {"ifindex": 2, "ifname": WIN_IF, "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "mtu": 1500,
         "qdisc": "mq", "operstate": "UP", "group": "default", "txqlen": 1000,
         "addr_info": [{"family": "inet", "local": WIN_IP, "prefixlen": 20, "metric": 100,
                        "broadcast": "172.22.175.255", "scope": "global", "dynamic": True, "label": WIN_IF,
                        "valid_life_time": 86145, "preferred_life_time": 86145}]}], separators=(",", ":")) + "\n"


def win_ip_route() -> str:
    return json.dumps([
        {"dst": "default", "gateway": WIN_GW, "dev": WIN_IF, "protocol": "dhcp", "prefsrc": WIN_IP, "metric": 100,
         "flags": []},
        {"dst": f"{WIN_SUBNET}/20", "dev": WIN_IF, "protocol": "kernel", "scope": "link", "prefsrc": WIN_IP,
         "metric": 100, "flags": []}], separators=(",", ":")) + "\n"


def win_meta(argv: list[str], rc: int = 0) -> dict:
    return im.meta(argv, rc)


def win_instance(d: Path, pings: dict[tuple[str, int], bool], tls: str | None) -> None:
    i = d / "instances" / "primary" / "probes"
    write_probe(i, "ip_addr", win_ip_addr(), win_meta(im.ARGV["ip_addr"]))
    write_probe(i, "ip_route", win_ip_route(), win_meta(im.ARGV["ip_route"]))
    for (target, size), ok in pings.items():
        argv = ["sh", "-c", 'exec ping -n -M do -s "$0" -c 1 -W 1 "$1" 2>&1', str(size), target]
        write_probe(i, "ping_df", df_ping(target, size, ok, 128 if target == WIN_GW else 56),
                    win_meta(argv, 0 if ok else 1), {"size": size, "target": target})
    if tls is not None:
        argv = ["sh", "-c", 'exec timeout "$0" openssl s_client -state -connect "$1:$2" -servername "$1" '
                            '</dev/null 2>&1', "5", HOST, "443"]
        write_probe(i, "tls_handshake", tls, win_meta(argv), {"seconds": 5, "host": HOST, "port": "443"})


def win_host(d: Path, find_ok: bool, machine: dict[str, str], user: dict[str, str]) -> None:
    p = d / "probes"
    if find_ok:
        write_probe(p, "multipass_find", FIND_OK.replace("\n", "\r\n"), None)
    else:
        write_probe(p, "multipass_find", "", {"argv": ["multipass", "find", "--format", "json"], "rc": 2,
                                              "stderr": FIND_FAILED.replace("\n", "\r\n"), "timed_out": False,
                                              "duration": 10.6})
    write_probe(p, "machine_proxy_env", "".join(f"{k}={v}\r\n" for k, v in machine.items()), None)
    write_probe(p, "shell_proxy_env", json.dumps(user, sort_keys=True), None)


WIN_HEALTHY_PINGS = {(WIN_GW, 1472): True, (im.EXTERNAL_IP, 1472): True}
WIN_HOLE_PINGS = {(WIN_GW, 1472): True, (im.EXTERNAL_IP, 1472): False, (im.EXTERNAL_IP, 1400): False,
                  (im.EXTERNAL_IP, 1300): True}
WIN_PROXY = "http://10.20.0.8:8080"


def build_windows() -> None:
    base_about = "primary (172.22.165.23 on the Default Switch)"
    d, exp = copy_base("windows", "way-out-healthy", "healthy",
                       f"the way out works for {base_about}: full-size DF pings, a trusted TLS handshake, "
                       "`multipass find` lists images")
    win_instance(d, WIN_HEALTHY_PINGS, s_client_public())
    win_host(d, True, {}, {})
    finish(d, {**exp, "instance.net.path_mtu": "passed", "instance.net.https_external": "passed",
               "instance.launch.dhcp_exchange": "skipped", "windows.multipass.image_servers": "passed"})

    d, exp = copy_base("windows", "way-out-tls-inspection", "healthy",
                       f"Zscaler inspects TLS for {base_about}: the certificate is Zscaler's")
    win_instance(d, WIN_HEALTHY_PINGS, s_client_zscaler())
    finish(d, {**exp, "instance.net.path_mtu": "passed", "instance.net.https_external": "failed"})

    d, exp = copy_base("windows", "way-out-proxy-in-user-env-only", "healthy",
                       "HTTP_PROXY is a user variable only; the Multipass service reads the machine environment, "
                       "so `multipass find` fails")
    win_host(d, False, {}, {"HTTP_PROXY": WIN_PROXY})
    finish(d, {**exp, "windows.multipass.image_servers": "failed"})

    d, exp = copy_base("windows", "way-out-proxy-in-machine-env", "healthy",
                       "HTTP_PROXY is a machine variable (HKLM), which the service reads: find lists images")
    win_host(d, True, {"HTTP_PROXY": WIN_PROXY}, {"HTTP_PROXY": WIN_PROXY})
    finish(d, {**exp, "windows.multipass.image_servers": "passed"})

    if PARAMS:
        d, exp = copy_base("windows", "way-out-mtu-blackhole", "healthy",
                           f"a VPN path-MTU black hole for {base_about}: 1472/1400-byte DF pings vanish, 1300 passes")
        win_instance(d, WIN_HOLE_PINGS, None)
        finish(d, {**exp, "instance.net.path_mtu": "failed", "instance.net.https_external": "skipped"})


if __name__ == "__main__":
    build_macos()
    build_windows()
    print("built the way-out scenarios" + ("" if PARAMS else " (format 1: no per-size DF ping scenarios)"))
