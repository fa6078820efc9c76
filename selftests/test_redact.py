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
    kernel = "kernel 5.15.167.4-microsoft-standard-WSL2"  # WSL2's four-part release is no address either
    assert r(kernel) == kernel and r("range 81.2.69.160-81.2.69.170") == "range <public-ip-1>-<public-ip-4>"


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


def test_a_text_redacted_again_after_a_new_name_is_learned_loses_that_name_too():
    r = Redactor(learn=False)
    line = "ssh from zeta-box to 8.8.4.4 and 1.2.3.4"
    first = r.redact(line)
    assert "zeta-box" in first and "1.2.3.4" not in first
    assert r.redact(line) is first  # known: the same answer, not worked out again
    r.add_host("zeta-box")
    again = r.redact(line)
    assert "zeta-box" not in again and again.replace("<host-1>", "zeta-box") == first
    r.keep(["zeta-box"])  # an instance's name after all: it stays
    assert r.redact(line) == first
    html = r.sibling(escape_html=True).redact(line)  # the same memo, another escaping
    assert html != first and "&lt;public-ip-1&gt;" in html


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


# --- what leaked before (issue 9, item 9) -----------------------------------------------------------
def test_windows_default_names_and_the_hosts_own_mshome_entry():
    r = Redactor()
    hosts_ics = ("192.168.176.1 JOHNS-PC.mshome.net # 2028 12 6 30\n"
                 "192.168.179.226 primary.mshome.net # 2024 1 1 8\n192.168.179.12 box.mshome.net # 2024\n")
    out = r(hosts_ics)
    assert "JOHNS-PC" not in out and "<host-1>.mshome.net" in out
    assert "primary.mshome.net" in out and "box.mshome.net" in out  # instances: the checks need them
    assert "192.168.176.1" in out
    assert r("Host Name: DESKTOP-AB12CDE, again desktop-ab12cde") == "Host Name: <host-2>, again <host-2>"


def test_local_names_and_a_home_with_a_space():
    r = Redactor()
    assert r("ping carols-macbook-air.local; carols-macbook-air") == "ping <host-1>.local; <host-1>"
    out = r("PS C:\\Users\\First Last\\AppData> dir C:\\Users\\First Last\\Documents")
    assert "First" not in out and "Last" not in out and out.count("<user-1>") == 2
    assert r("First Last logged in") == "<user-1> logged in"
    assert r("/home/ubuntu/.ssh C:\\Users\\Public\\x") == "/home/ubuntu/.ssh C:\\Users\\Public\\x"


@pytest.mark.parametrize("line, secret", [
    ("(base) bob@bobsbox ~ % ifconfig", "bobsbox"),
    ("(.venv) bob@bobsbox:~/src$ ls", "bobsbox"),
    ("$ sudo ls; dave@davebox:~$ arp -an", "davebox"),
    ("[erin@erinsbox ~]# id", "erinsbox"),
])
def test_prompts_not_at_the_line_start(line, secret):
    r = Redactor()
    out = r(line)
    assert secret not in out and "<host-1>" in out and "<user-1>@" in out, out
    assert secret not in r(f"ssh {secret}")  # learned: gone everywhere


def test_an_image_digest_is_no_prompt():
    r = Redactor()
    assert r("pulling foo@sha256:abcdef and bar@v1.2 now") == "pulling foo@sha256:abcdef and bar@v1.2 now"
    assert not r.hosts and not r.users


def test_email_addresses():
    r = Redactor()
    out = r("From: Jane Doe <jane.doe@example.co.uk>, cc ops+mp@corp.example.com")
    assert "jane.doe" not in out and "corp.example" not in out and out.count("<email-") == 2


@pytest.mark.parametrize("text, serial", [
    ("      Serial Number (system): C02XK1ABJGH5\n      Hardware UUID: 1A2B3C4D-1111-2222-3333-444455556666",
     "C02XK1ABJGH5"),
    ('    |   "IOPlatformSerialNumber" = "C02ZW0AAJG5J"\n    |   "IOPlatformUUID" = "5E3A-11"', "C02ZW0AAJG5J"),
    ("SerialNumber  \r\nPF1ABC23  \r\n", "PF1ABC23"),
])
def test_serial_numbers_are_learned_by_their_labels_and_gone_everywhere(text, serial):
    r = Redactor()
    out = r(text)
    assert serial not in out and "<serial-1>" in out
    assert r(f"support case for {serial}") == "support case for <serial-1>"
    assert r("Serial Number: Default string") == "Serial Number: Default string"  # no digit: no serial


@pytest.mark.parametrize("text, ssid", [
    ("    SSID                   : Home Sweet Home\n    BSSID                  : 3c:22:fb:12:34:56", "Home Sweet Home"),
    ("Current Wi-Fi Network: cafe-net", "cafe-net"),
    ('wlan0     IEEE 802.11  ESSID:"Home5G"  Nickname:"<WIFI@REALTEK>"', "Home5G"),
    ("SSID 1 : NeighboursWifi\n    Network type : Infrastructure", "NeighboursWifi"),
])
def test_wifi_ssids_where_tools_label_them(text, ssid):
    out = Redactor()(text)
    assert ssid not in out and "<ssid-1>" in out, out
    assert "3c:22:fb" not in out


def test_machine_identifiers_from_the_os(monkeypatch, tmp_path):
    monkeypatch.setattr(redact, "this_user", lambda: "jdoe")
    monkeypatch.setattr(redact, "this_host", lambda: "jdoe-laptop")
    monkeypatch.setenv("COMPUTERNAME", "ACME-WS-0042")
    monkeypatch.setenv("USERNAME", "Jane Doe")
    monkeypatch.setattr(redact.Path, "home", classmethod(lambda cls: tmp_path / "Jane Doe"))
    r = redact.for_run(live=False)
    out = r.text("jdoe on jdoe-laptop (ACME-WS-0042), C:\\Users\\Jane Doe\\x, Jane Doe")
    for secret in ("jdoe", "ACME", "Jane", "Doe"):
        assert secret not in out, out


def test_json_learns_from_the_whole_document_first():
    r = redact.for_run(keep_ips=["9.9.9.9"])
    doc = {"checks": [{"message": "arp from dave-mbp", "n": 3, "ok": True},
                      {"probes": [{"output": "dave@dave-mbp ~ % ls", "rc": 0}]}], "dave": None}
    out = r.json(doc)
    assert out["checks"][0]["message"] == "arp from <host-1>"  # learned from a later string
    assert out["checks"][1]["probes"][0] == {"output": "<user-1>@<host-1> ~ % ls", "rc": 0}
    assert out["checks"][0]["n"] == 3 and out["checks"][0]["ok"] is True and "dave" in out  # keys stay
    assert doc["checks"][0]["message"] == "arp from dave-mbp"  # a copy
    off = redact.for_run(enabled=False)
    assert off.json(doc) is doc and off.text("dave@dave-mbp") == "dave@dave-mbp" and not off.enabled


def test_the_bundles_stand_ins_survive_a_report_redaction():
    """A redacted bundle's 02:00:00:00:* MACs and TEST-NET addresses read the same in a report."""
    r = Redactor()
    assert r("at 02:00:00:00:00:01 via 198.51.100.7") == "at 02:00:00:00:00:01 via 198.51.100.7"


def _suite_artefacts(reports: Path) -> dict[str, str]:
    files = {p.relative_to(reports).as_posix(): p for p in reports.rglob("*") if p.is_file()}
    return {k: p.read_text(errors="replace") for k, p in files.items() if k != "junit.xml"}


def test_every_shared_artefact_is_redacted_and_says_so(tmp_path):
    """diagnosis.json (never redacted before), report.html and the Allure results of a
    replay whose probes hold a user, a host, a MAC and a public address."""
    import shutil

    from selftests.suite import run_suite

    bundle = tmp_path / "home" / "alice" / "failing_daemon"
    shutil.copytree(DATA / "reports" / "failing_daemon", bundle)
    run = run_suite("--replay", str(bundle), reports=tmp_path / "r")
    assert run.rc == 1, run.stdout[-2000:]
    artefacts = _suite_artefacts(tmp_path / "r")
    assert {"diagnosis.json", "report.html", "allure-results/environment.properties"} <= set(artefacts)
    attachments = [k for k in artefacts if k.endswith("-attachment.txt")]
    assert attachments
    for name, text in artefacts.items():
        for secret in ("alice", "3c:22:fb:12:34:56", "81.2.69.160"):
            assert secret not in text, (name, secret)
    assert run.diagnosis["redacted"] is True
    assert "redacted=yes" in artefacts["allure-results/environment.properties"]
    assert "<mac-1>" in artefacts["diagnosis.json"]
    plain = run_suite("--replay", str(bundle), "--no-redact", reports=tmp_path / "plain")
    assert plain.diagnosis["redacted"] is False and "3c:22:fb:12:34:56" in (tmp_path / "plain/diagnosis.json").read_text()


def test_instance_names_stay_whatever_a_prompt_says():
    r = redact.for_run(instances=["mpdiag-1a2b3c"])
    assert r.text("root@mpdiag-1a2b3c:~# ip a") == "<user-1>@mpdiag-1a2b3c:~# ip a".replace("<user-1>", "root")
    doc = {"environment": {"instance": "dev-box"}, "checks": [{"message": "erin@dev-box:~$ ping", "probes": []}]}
    assert r.json(doc)["checks"][0]["message"] == "<user-1>@dev-box:~$ ping"
