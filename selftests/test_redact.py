"""mpdiag/redact.py on real pastes: the originals are gone, placeholders are stable, the
diagnosis-relevant values stay, and a redacted bundle still parses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mpdiag import redact
from mpdiag.bundle import BundleWriter, Manifest, open_bundle
from mpdiag.parse.arp import parse_arp
from mpdiag.parse.dhcpd_leases import parse_leases
from mpdiag.parse.ifconfig import parse_ifconfig
from mpdiag.redact import Redactor
from mpdiag.runner import CommandResult

DATA = Path(__file__).parent / "data"
MACOS = DATA / "corpus" / "macos"
WINDOWS = DATA / "corpus" / "windows"
IPCONFIG = DATA / "reports" / "corpus" / "ipconfig-all__docksal-1352__1.txt"


def test_arp_lan_macs_go_instance_broadcast_multicast_stay():
    text = (MACOS / "arp_an__3661__4.txt").read_text()
    r = Redactor()
    out = r(text)
    for mac in ("48:a9:8a:c:a0:14", "2e:c9:c8:a6:e8:1d", "bc:d0:74:1b:c7:d", "84:39:be:63:ea:d2"):
        assert mac not in out
    assert "52:54:00:25:fa:8a" in out and "52:54:0:25:fa:8a" in out  # Multipass's instance MAC
    assert "ff:ff:ff:ff:ff:ff" in out and "1:0:5e:0:0:fb" in out  # broadcast, multicast
    assert "192.168.1.1" in out and "192.168.64.4" in out and "224.0.0.251" in out  # private, multicast
    assert "<mac-1>" in out
    # stable: the same MAC (other spelling too) gets the same placeholder, again and again
    assert r("48:A9:8A:0C:A0:14") == r("48:a9:8a:c:a0:14") == r.mapping["48:a9:8a:0c:a0:14"]
    assert r(text) == out


def test_prompt_user_and_host_are_learned_and_replaced_everywhere():
    r = Redactor()
    out = r((MACOS / "dhcpd_leases__kubernetes-minikube-1926__1.txt").read_text())
    assert "di@" not in out and out.startswith("<user-1>@")
    apps = r((MACOS / "socketfilterfw_listapps__nix-darwin-nix-darwin-1705__1.txt").read_text())
    assert "nix-darwin-vm" not in apps and "<host-1>" in apps
    assert r("ssh nix-darwin-vm.local") == "ssh <host-1>.local"
    assert "minikube" in out  # instance names are not personal


def test_windows_home_path_host_name_and_macs():
    r = Redactor()
    netsh = r((WINDOWS / "netsh-excludedportrange__chocolatey-test-env-68__1.txt").read_text())
    assert "Jakub" not in netsh and "C:\\Users\\<user-1>>" in netsh
    assert r("C:\\\\Users\\\\Jakub\\\\AppData") == "C:\\\\Users\\\\<user-1>\\\\AppData"  # JSON-escaped too
    ipconfig = r(IPCONFIG.read_text())
    assert "DESKTOP-DALKDS6" not in ipconfig and "<host-1>" in ipconfig
    assert "E0-D5-5E-64-B2-F8" not in ipconfig
    assert "00-15-5D-01-52-02" in ipconfig  # Hyper-V: the instances' and vEthernet's, kept
    assert "10.0.75.1" in ipconfig and "fe80::" in ipconfig


def test_lsof_user_column():
    text = ("COMMAND     PID   USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\n"
            "mDNSRespo   469 _mdnsresponder 60u IPv6 0x65e76d988b6343a9 0t0 UDP *:53\n"
            "dnsmasq    4242  alice    9u  IPv4 0x9b047728d4f7737f      0t0  UDP 127.0.0.1:53\n"
            "launchd       1   root   46u  IPv4 0x9b76825c118326e7      0t0  UDP *:67\n")
    r = Redactor()
    out = r(text)
    assert "alice" not in out and "<user-1>" in out
    assert "_mdnsresponder" in out and " root " in out and "dnsmasq" in out
    assert r("log in as alice") == "log in as <user-1>"


def test_this_machine(monkeypatch):
    monkeypatch.setattr(redact, "this_user", lambda: "carol")
    monkeypatch.setattr(redact, "this_host", lambda: "Carols-MacBook-Air.local")
    r = Redactor.for_this_machine()
    out = r("carol on Carols-MacBook-Air.local (Carols-MacBook-Air) home /Users/carol")
    assert "carol" not in out.lower()
    assert out == "<user-1> on <host-1> (<host-2>) home /Users/<user-1>"


@pytest.mark.parametrize("ip", ["10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.64.1", "100.64.0.1",
                                "127.0.0.1", "169.254.1.2", "192.0.2.7", "198.51.100.7", "203.0.113.7",
                                "198.18.0.1", "198.19.255.1", "255.255.255.0", "224.0.0.251", "0.0.0.0",
                                "1.1.1.1", "8.8.8.8", "::1", "fe80::1%en0", "fd00::1"])
def test_private_and_special_addresses_are_kept(ip):
    assert Redactor()(f"via {ip} ") == f"via {ip} "


def test_public_addresses_are_replaced_stably():
    r = Redactor(keep_ips=["9.9.9.9"])
    out = r("wan 81.2.69.160 dns 9.9.9.9 v6 2a02:8070:1234::5 again 81.2.69.160 gw 1.1.1.1")
    # IPv4 first, then IPv6; keep_ips given explicitly replaces the default resolvers
    assert out == "wan <public-ip-1> dns 9.9.9.9 v6 <public-ip-3> again <public-ip-1> gw <public-ip-2>"
    assert "1.16.3" in r("Multipass 1.16.3+mac on 10.0.22631.4460")  # versions are no addresses


def test_parseable_style_still_parses():
    r = Redactor(style="parseable")
    arp = r((MACOS / "arp_an__3661__4.txt").read_text())
    entries = {e.ip: e.mac for e in parse_arp(arp)}
    assert entries["192.168.64.4"] == "52:54:00:25:fa:8a"
    assert entries["192.168.1.1"].startswith("02:00:00:00:")
    ifc = parse_ifconfig(r((MACOS / "ifconfig__machyve-xhyve-84__1.txt").read_text()))
    assert ifc["bridge100"].ether.startswith("02:00:00:00:")
    leases = parse_leases(r((MACOS / "dhcpd_leases__2050__1.txt").read_text()))
    assert leases and all(le.hw_address is None or le.hw_address.startswith("02:00:00:00:") for le in leases)
    assert r("gw 81.2.69.160") == "gw 198.51.100.2" or r("gw 81.2.69.160").startswith("gw 198.51.100.")
    assert "81.2.69.160" in r("ANSWER 81.2.69.160", probe="dig_external")  # DNS answers are the name's


def test_html_sibling_escapes_and_shares_numbers():
    r = Redactor(users=["alice"])
    h = r.sibling(escape_html=True)
    assert r("alice") == "<user-1>"
    assert h("/Users/alice and 3c:22:fb:12:34:56") == "/Users/&lt;user-1&gt; and &lt;mac-1&gt;"
    assert r("3c:22:fb:12:34:56") == "<mac-1>"
    assert h("/Users/&lt;user-1&gt;") == "/Users/&lt;user-1&gt;"  # idempotent on redacted markup


def test_bundle_writer_redacts_before_writing_and_once_more_at_finish(tmp_path):
    w = BundleWriter(tmp_path / "b", redactor=Redactor(style="parseable"))
    w.write("arp_table", None, CommandResult(("arp", "-an"), 0,
                                             b"? (192.168.1.5) at 3c:22:fb:12:34:56 on en0 [ethernet] dave-mbp\n"))
    w.write("lsof_port53", None, CommandResult(
        ("sudo", "-n", "lsof"), 0,
        b"COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\ndnsmasq 42 dave 9u IPv4 0x1 0t0 UDP *:53\n",
        b"dave@dave-mbp: /Users/dave/.zshrc"))
    w.finish(Manifest(platform="macos", redacted=True))
    files = {p.name: p.read_text() for p in (tmp_path / "b" / "probes").iterdir()}
    blob = "\n".join(files.values())
    assert "dave" not in blob and "3c:22:fb" not in blob
    assert "<user-1>" in files["lsof_port53.out"] and "<host-1>" in files["arp_table.out"]  # learned late
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["redacted"] is True
    bundle = open_bundle(tmp_path / "b")
    assert parse_arp(bundle.result("arp_table").text)[0].mac.startswith("02:00:00:00:")
