"""The way-out parsers on real outputs recorded in the lab (selftests/lab/record_way_out_data.py):
iputils DF pings, `ip -j link`, OpenSSL 3.0 s_client, tcpdump's pcap of real DHCP exchanges;
the proxy sources and `multipass find` in Multipass's and the platforms' own formats."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from mpdiag.errors import ParseError
from mpdiag.host.rules import dhcp, pmtu
from mpdiag.host.rules.proxy import ProxyView, daemon_summary, misplaced, used_proxy
from mpdiag.parse import dhcp_pcap, images, proxy, tls
from mpdiag.parse.pmtu import parse_df_ping, parse_link_mtus

DATA = Path(__file__).parent / "data" / "way_out"


def read(name: str) -> str:
    return (DATA / name).read_text()


# ---- DF pings and MTUs -----------------------------------------------------------------------

def test_df_ping_reply_silence_and_told():
    ok = parse_df_ping(read("ping_df_1472_ok.txt"))
    assert ok.replied and ok.size == 1472 and ok.packet == 1500 and not ok.silent
    gone = parse_df_ping(read("ping_df_1472_silent.txt"))
    assert not gone.replied and gone.silent and gone.size == 1472
    told = parse_df_ping(read("ping_df_1472_frag_needed.txt"))
    assert not told.replied and told.told_mtu == 1400 and not told.silent
    local = parse_df_ping(read("ping_df_1600_local.txt"))
    assert not local.replied and local.told_mtu == 1500 and not local.silent


def test_df_ping_rejects_other_output():
    with pytest.raises(ParseError):
        parse_df_ping("hello\n")
    assert parse_df_ping("ping: nowhere: Name or service not known\n").error == "Name or service not known"


def test_link_mtus():
    mtus = parse_link_mtus(read("ip_link.json"))
    assert mtus["eth0"] == 1500 and mtus["lo"] == 65536
    with pytest.raises(ParseError):
        parse_link_mtus("{not json")


def test_ladder_verdicts():
    ok, gone, small = (parse_df_ping(read(n)) for n in
                       ("ping_df_1472_ok.txt", "ping_df_1472_silent.txt", "ping_df_1300_ok.txt"))
    assert pmtu.sizes_for(1500) == [1472, 1400, 1300, 1200, 1000, 548]
    assert pmtu.sizes_for(1450)[:2] == [1422, 1400]
    healthy = pmtu.judge("198.51.100.1", 1500, [ok])
    assert healthy.full_size_passes and not healthy.black_hole
    hole = pmtu.judge("198.51.100.1", 1500, [gone, gone.__class__(1400, False), small])
    assert hole.black_hole and hole.largest == 1300 and pmtu.suggested_mtu([hole]) == 1328
    assert "1300 bytes (1328-byte packets) is the largest that passes" in hole.describe()
    told = parse_df_ping(read("ping_df_1472_frag_needed.txt"))
    assert not pmtu.judge("x", 1500, [told, small]).black_hole


# ---- TLS -----------------------------------------------------------------------------------------

def test_s_client_trusted():
    t = tls.parse_s_client(read("s_client_ok.txt"))
    assert t.completed and t.trusted and t.tcp_connected
    assert tls.common_name(t.top_issuer) == "MP Lab Public Root CA"


def test_s_client_intercepted_names_the_issuer():
    t = tls.parse_s_client(read("s_client_intercepted.txt"))
    assert t.completed and not t.trusted and t.verify_code == 19
    assert tls.common_name(t.top_issuer) == "Contoso SecureWeb TLS Inspection CA"


def test_s_client_stalled_no_tcp_and_unresolved():
    stalled = tls.parse_s_client(read("s_client_stalled.txt"))
    assert stalled.tcp_connected and not stalled.completed and "write client hello" in stalled.last_state
    none = tls.parse_s_client(read("s_client_no_tcp.txt"))
    assert not none.tcp_connected and not none.completed
    unresolved = tls.parse_s_client(read("s_client_unresolved.txt"))
    assert unresolved.lookup_error and not unresolved.completed


# ---- DHCP captures ----------------------------------------------------------------------------------

def test_dhcp_capture_healthy_exchange():
    cap = dhcp_pcap.parse_capture(read("dhcp_capture_ok.json"))
    ex = dhcp.classify(cap, cap.address)
    assert ex.verdict == dhcp.COMPLETE, ex.describe()
    assert [m.type for m in ex.messages][:1] == ["DISCOVER"] and ex.count("ACK") >= 1
    assert all(m.server == cap.address for m in ex.messages if m.op == 2)


def test_dhcp_capture_without_offer():
    cap = dhcp_pcap.parse_capture(read("dhcp_capture_no_offer.json"))
    ex = dhcp.classify(cap, cap.address)
    assert ex.verdict == dhcp.NO_OFFER and ex.count("DISCOVER") >= 1


def test_dhcp_capture_rogue_offer():
    cap = dhcp_pcap.parse_capture(read("dhcp_capture_rogue.json"))
    ex = dhcp.classify(cap, cap.address)
    assert ex.verdict == dhcp.ROGUE_OFFER
    assert dhcp.rogue_servers(ex) == [read("rogue_server.txt").strip()]


def test_dhcp_capture_without_discover_and_hostile_records():
    cap = dhcp_pcap.parse_capture(read("dhcp_capture_ok.json"))
    offers_only = dhcp_pcap.DhcpCapture(cap.interface, cap.address,
                                        tuple(m for m in cap.messages if m.op == 2), cap.packets)
    assert dhcp.classify(offers_only, cap.address).verdict == dhcp.NO_DISCOVER
    for bad in ("[]", "{}", '{"interface": "x", "pcap": "%%%"}',
                json.dumps({"interface": "x", "pcap": base64.b64encode(b"not a pcap file at all!!").decode()})):
        with pytest.raises(ParseError):
            dhcp_pcap.parse_capture(bad)
    raw = base64.b64decode(json.loads(read("dhcp_capture_ok.json"))["pcap"])
    truncated = dhcp_pcap.parse_pcap(raw[:-10])  # a record cut short by the stop is dropped, not fatal
    assert truncated[1] == cap.packets - 1


# ---- proxies and find ----------------------------------------------------------------------------

PLIST = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>com.canonical.multipassd</string>
	<key>EnvironmentVariables</key>
	<dict>
		<key>PATH</key>
		<string>/Library/Application Support/com.canonical.multipass/bin:/usr/bin:/bin:/usr/sbin:/sbin</string>
		<key>http_proxy</key>
		<string>http://alice:s3cret@proxy.corp.example:3128</string>
	</dict>
	<key>ProgramArguments</key>
	<array>
		<string>/Library/Application Support/com.canonical.multipass/bin/multipassd</string>
		<string>--verbosity</string>
		<string>debug</string>
	</array>
</dict>
</plist>
"""


def test_proxy_sources():
    assert proxy.parse_launchd_plist(PLIST) == {"http_proxy": "http://alice:***@proxy.corp.example:3128"}
    assert proxy.parse_env_lines("https_proxy=http://p:3128\nPATH=/bin\nHTTP_PROXY=p2:8080\n") == {
        "https_proxy": "http://p:3128", "HTTP_PROXY": "p2:8080"}
    assert proxy.parse_env_lines(proxy.NO_DAEMON + "\n") is None
    snap = '{\n\t"proxy": {\n\t\t"http": "http://10.0.0.1:3128",\n\t\t"https": "http://10.0.0.1:3128"\n\t}\n}\n'
    assert proxy.parse_snap_proxy(snap) == {"proxy.http": "http://10.0.0.1:3128", "proxy.https": "http://10.0.0.1:3128"}
    assert proxy.parse_snap_proxy('error: snap "multipass" has no "proxy" configuration option\n') == {}
    assert proxy.parse_snap_proxy("sh: 1: snap: not found\n") is None
    with pytest.raises(ParseError):
        proxy.parse_launchd_plist("<plist><dict><key>x</key></plist>")


def test_what_the_daemon_uses_and_misplaced_proxies():
    shell = {"https_proxy": "http://p:3128", "http_proxy": "http://p:3128"}
    none = ProxyView({}, "the plist", {"your shell's environment": shell})
    assert used_proxy(none) is None and "uses no proxy" in daemon_summary(none)
    assert any("where the daemon does not look" in n for n in misplaced(none))
    https_only = ProxyView({"https_proxy": "http://p:3128"}, "env")
    assert "never reads" in misplaced(https_only)[0]
    good = ProxyView({"http_proxy": "http://p:3128"}, "env", {"your shell's environment": shell})
    assert used_proxy(good) == "http://p:3128" and misplaced(good) == []
    assert "65535" in misplaced(ProxyView({"http_proxy": "p.corp"}, "env"))[0]
    windows = ProxyView({"HTTP_PROXY": "http://p:8080"}, "machine", case_insensitive=True)
    assert used_proxy(windows) == "http://p:8080"


FIND_116 = """{
    "blueprints (deprecated)": {
    },
    "errors": [
    ],
    "images": {
        "24.04": {
            "aliases": [
                "noble",
                "lts"
            ],
            "os": "Ubuntu",
            "release": "24.04 LTS",
            "remote": "",
            "version": "20260512"
        }
    }
}
"""


def test_find_reply():
    reply = images.parse_find(FIND_116)
    assert reply.images["24.04"]["aliases"] == ["noble", "lts"] and reply.errors == ()
    assert images.parse_find('{\n    "errors": [\n    ],\n    "images": {\n    }\n}\n').images == {}
    with pytest.raises(ParseError):
        images.parse_find("find failed: Remote \"\" is unknown or unreachable.")
