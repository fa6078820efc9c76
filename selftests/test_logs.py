"""multipassd's log: the known failure signatures (mpdiag/host/rules/logs.py) on real corpus logs and
hand-made lines, and the three `<platform>.logs.known_errors` checks' skip paths through the suite."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mpdiag import catalog
from mpdiag.errors import ParseError
from mpdiag.host.rules import logs
from mpdiag.probes import load_all
from mpdiag.remedies import remedy
from selftests.suite import ROOT, run_suite

CORPUS = Path(__file__).parent / "data" / "corpus"
SCEN = ROOT / "scenarios"


def labels(text: str, platform: str | None = None) -> list[str]:
    return [m.signature.label for m in logs.find_known_errors(logs.log_lines(text), platform)]


# ------------------------------------------------------------------ corpus


def test_corpus_1505_vmnet_failure_with_its_timestamp():
    text = (CORPUS / "macos" / "logs" / "multipassd_log__1505__1.txt").read_text()
    lines = logs.log_lines(text)
    assert len(lines) == 4  # the blank line is dropped
    (m,) = logs.find_known_errors(lines, "macos")
    assert m.signature.label == "Could not create vmnet interface" and m.problem_class == "generic"
    assert m.count == 1 and "virtio_net: Could not create vmnet interface" in m.first.text
    assert m.first.timestamp == datetime(2020, 4, 22, 15, 48, 52, 381000)
    assert "2020-04-22 15:48:52 (the host's local time)" in logs.describe(m)


def test_corpus_3661_ssh_timeout_is_no_known_signature():
    """`ssh connection failed: 'Timeout connecting to ...'` is not `No route to host`; the line has no timestamp."""
    text = (CORPUS / "macos" / "logs" / "multipassd_log__3661__2.txt").read_text()
    (line,) = logs.log_lines(text)
    assert line.timestamp is None
    assert labels(text) == []


def test_corpus_662_crash_record_is_no_known_signature():
    assert labels((CORPUS / "windows" / "logs" / "event-viewer__662__1.txt").read_text()) == []


# ------------------------------------------------------------------ signatures


@pytest.mark.parametrize("line, label, cls", [
    ("[2026-11-20T09:55:41.003] [error] [primary] timed out waiting for response",
     "timed out waiting for response", "generic"),
    ("launch failed: The following errors occurred:\nprimary: timed out waiting for response",
     "timed out waiting for response", "generic"),
    ("[2026-01-02T03:04:05.000] [warning] [primary] Could not determine IP address within 120000ms",
     "Could not determine IP address", "generic"),
    ("start failed: failed to determine IP address", "Could not determine IP address", "generic"),
    ("[2026-01-02T03:04:05.000] [error] [primary] IP not available", "Could not determine IP address", "generic"),
    ("qemu-system-aarch64: -nic vmnet-shared,...: cannot create vmnet interface: VMNET_FAILURE",
     "Could not create vmnet interface", "generic"),
    ("[info] [primary] Cannot open dhcpd_leases file: /var/db/dhcpd_leases", "Cannot open dhcpd_leases file",
     "generic"),
    ("shell failed: ssh connection failed: 'Failed to connect: No route to host'",
     "ssh connection failed: ... No route to host", "routing"),
    ("2026-11-27T22:25:31+0000 host multipassd[2871]: dnsmasq died: Exit code 2. Ensure nothing is using port 53.",
     "dnsmasq died", "generic"),
    ("list failed: cannot connect to the multipass socket", "cannot connect to the multipass socket", "generic"),
    ("2026-11-27T22:25:31+00:00 host multipassd[2871]: Failed to set firewall rule; Table: nat; Failure: x; "
     "Output: iptables: No chain/target/match by that name.", "Failed to set firewall rule", "routing"),
    # today's Multipass: the reference's error strings, literally (and the corpus' #1512 / #1208 lines)
    ("info failed: ssh connection failed: 'Failed to resolve hostname dazzled-bittern.mshome.net "
     "(No such host is known. )'", "Failed to resolve hostname", "routing"),
    ("[2024-03-01T10:00:00.000] [warning] [qemu] management_ipv4() > failed to resolve `primary.mshome.net`",
     "Failed to resolve hostname", "routing"),
    ("[2020-05-11T08:31:02.114] [error] [rstudio] Unable to determine IP address", "Unable to determine IP address",
     "generic"),
    ("Could not find the device to connect to: no switch named \"External\"", "Could not find the default switch",
     "generic"),
    ("launch failed: Could not create bridge. Could not reach remote D-Bus object: The name "
     "org.freedesktop.NetworkManager was not provided by any .service files", "Could not create bridge", "generic"),
    ("Could not create external switch - error executing powershell command. Detail: x", "Could not create bridge",
     "generic"),
    ("Invalid network options. To troubleshoot, see https://canonical.com/multipass/docs/stable/how-to-guides/"
     "troubleshoot/", "Invalid network", "generic"),
    ("2026-11-27T22:25:31+0000 host multipassd[2871]: Invalid network name \"eth9\"", "Invalid network", "generic"),
    ("set failed: Invalid network 'eth9' set as bridged interface, use `multipass set local.bridged-network=<name>` "
     "to correct. See `multipass networks` for valid names.", "Invalid network", "generic"),
    ("[2026-07-01T10:00:00.000] [error] [primary] vmnet_start_interface() failed (status 1001) for 'en0'",
     "vmnet_start_interface() failed", "generic"),
    ("2026-11-27T22:25:31+0000 host multipassd[2871]: Could not read /sys/class/net/eth0/type. Is the "
     "'network-observe' snap interface connected?", "network-observe not connected", "generic"),
    ("[2026-07-01T10:00:00.000] [warning] [daemon] Failed to install pf rules for cross-zone routing: x",
     "Failed to install pf rules for cross-zone routing", "routing"),
    ("launch failed: Invalid arguments supplied\nUnavailable zone name supplied: zone2", "no AZ is available",
     "generic"),
])
def test_each_signature_and_its_class(line, label, cls):
    (m,) = logs.find_known_errors(logs.log_lines(line))
    assert (m.signature.label, m.problem_class) == (label, cls)


def test_sharing_service_is_both_vmnet_and_its_cause():
    line = ("[2024-05-02T10:00:00.000] [error] [primary] qemu-system-aarch64: -nic vmnet-bridged,ifname=en0: "
            "cannot create vmnet interface: conflict, sharing service is in use")
    assert sorted(labels(line, "macos")) == ["Could not create vmnet interface", "sharing service is in use"]
    assert labels(line, "linux") == []


def test_healthy_lines_match_nothing():
    text = ("[2026-11-20T09:12:40.218] [info] [daemon] Starting Multipass 1.16.3+mac\n"
            "[2026-11-20T09:13:09.611] [debug] [primary] Connected to SSH on port 22\n"
            "[2026-11-20T09:13:09.700] [debug] [primary] IPv6 not available on this host\n"
            "[2026-11-20T09:13:10.000] [debug] [primary] ssh connection failed: 'Connection refused'\n")
    assert labels(text) == []


def test_platform_filter():
    text = "dnsmasq died: Exit code 2. Ensure nothing is using port 53.\n"
    assert labels(text, "linux") == ["dnsmasq died"]
    assert labels(text, "macos") == []
    assert labels("Could not create vmnet interface\n", "linux") == []


def test_classes_are_the_guides_and_dnsmasq_is_generic():
    for s in logs.SIGNATURES:
        assert s.problem_class in catalog.PROBLEM_CLASSES, s
        assert s.platforms <= {"macos", "windows", "linux"} and s.platforms, s
    assert logs.BY_LABEL["dnsmasq died"].problem_class == "generic"


def test_count_first_last_and_newest_first():
    text = ("[2026-11-20T09:52:07.412] [warning] [primary] Cannot open dhcpd_leases file: x\n"
            "[2026-11-20T09:53:07.412] [error] [primary] timed out waiting for response\n"
            "[2026-11-20T09:54:07.412] [warning] [primary] Cannot open dhcpd_leases file: x\n"
            "   a continuation line without a timestamp\n")
    lines = logs.log_lines(text)
    assert lines[-1].timestamp == datetime(2026, 11, 20, 9, 54, 7, 412000)  # inherits its entry's
    first, second = logs.find_known_errors(lines)
    assert first.signature.label == "Cannot open dhcpd_leases file" and first.count == 2
    assert first.first.index == 0 and first.last.index == 2
    assert second.signature.label == "timed out waiting for response" and second.count == 1
    assert "2 times, last at 2026-11-20 09:54:07" in logs.describe(first)
    assert "first at 2026-11-20 09:52:07" in logs.describe(first)


def test_journal_short_iso_both_zone_forms_and_markers():
    text = ("-- Logs begin at Mon 2026-11-23 08:00:01 UTC, end at Fri 2026-11-27 22:25:40 UTC. --\n"
            "2026-11-27T22:25:31+0000 host multipassd[2871]: dnsmasq died: Exit code 2.\n"
            "-- Boot 3f2a9c1e8b7d4e6f9a0b1c2d3e4f5a6b --\n"
            "2026-11-27T22:25:33+00:00 host multipassd[2871]: Ensure nothing is using port 53.\n")
    lines = logs.log_lines(text)
    assert len(lines) == 2
    utc = timezone.utc
    assert [ln.timestamp for ln in lines] == [datetime(2026, 11, 27, 22, 25, 31, tzinfo=utc),
                                              datetime(2026, 11, 27, 22, 25, 33, tzinfo=utc)]
    (m,) = logs.find_known_errors(lines, "linux")
    assert m.count == 2 and "last at 2026-11-27 22:25:33+00:00" in logs.describe(m)
    assert logs.journal_is_empty("-- No entries --\n") and logs.journal_is_empty("")


def test_timestamps_with_offsets():
    t = logs.parse_timestamp("2026-11-27T23:25:31+01:00 host multipassd[1]: x")
    assert t == datetime(2026, 11, 27, 22, 25, 31, tzinfo=timezone.utc)
    assert logs.parse_timestamp("2026-11-27T23:25:31.123456+0100 h x").utcoffset() == timedelta(hours=1)
    assert logs.parse_timestamp("no stamp here") is None
    assert logs.parse_timestamp("[2026-13-40T99:00:00.000] [info] bad date") is None


# ------------------------------------------------------------------ Windows events


def test_events_51_dates_sorted_oldest_first_and_one_object():
    newest_first = json.dumps([
        {"TimeCreated": "/Date(1795076041806)/", "LevelDisplayName": "Error",
         "Message": "[primary] timed out\r\nwaiting for response"},
        {"TimeCreated": "/Date(1795072412904)/", "LevelDisplayName": "Information",
         "Message": "[daemon] Starting Multipass 1.16.3+win"},
    ])
    events = logs.parse_events(newest_first)
    assert [e.index for e in events] == [0, 1]
    assert events[0].text == "[Information] [daemon] Starting Multipass 1.16.3+win"
    assert events[1].text == "[Error] [primary] timed out waiting for response"  # line breaks folded
    assert events[1].timestamp.tzinfo is not None
    (m,) = logs.find_known_errors(events, "windows")
    assert m.signature.label == "timed out waiting for response"
    one = json.dumps({"TimeCreated": "2026-11-19T08:14:01.806+00:00", "LevelDisplayName": "Warning",
                      "Message": "Could not determine IP address within 120000ms"})
    (ev,) = logs.parse_events(one)
    assert ev.timestamp == datetime(2026, 11, 19, 8, 14, 1, 806000, tzinfo=timezone.utc)
    assert logs.parse_events("") == []


def test_events_unreadable_raise_parse_error():
    with pytest.raises(ParseError):
        logs.parse_events('[{"TimeCreated": "/Date(1)/", "Message": 42}]')
    with pytest.raises(ParseError):
        logs.parse_events("not json at all")


# ------------------------------------------------------------------ catalog, remedy, probes


def test_catalog_and_remedy():
    for platform, where in (("macos", "macos.interference.little_snitch"),
                            ("windows", "windows.interference.antivirus"),
                            ("linux", "linux.firewall.dhcp_allowed")):
        spec = catalog.spec(f"{platform}.logs.known_errors")
        assert spec.problem_class == "generic" and spec.remedy == "logs.known_error"
        ids = [c.id for c in catalog.CHECKS]
        assert ids.index(spec.id) == ids.index(where) + 1  # the end of its platform's generic group
    f = logs.finding(logs.find_known_errors(logs.log_lines("ssh connection failed: 'x: No route to host'\n")),
                     "multipassd.log", "generic", "sudo tail -n 200 x")
    assert "although this check is filed (and triaged) under generic" in f.found
    assert "routing" in f.found and "no timestamp in the log" in f.found
    r = remedy("logs.known_error").render(**f.facts)
    assert r.commands == ("sudo tail -n 200 x",)
    assert "`ssh connection failed: ... No route to host`, a routing problem" in r.text
    assert "#troubleshoot-networking-routing-problems" in r.text and "<" not in r.text


def test_probes_registered():
    reg = load_all()
    assert reg["multipassd_journal"].privileged and reg["multipassd_journal"].platforms == {"linux"}
    assert "snap.multipass*" in reg["multipassd_journal"].display
    assert "Get-WinEvent -ProviderName Multipass -MaxEvents 500" in reg["multipass_events"].display
    assert reg["multipassd_log"].privileged


# ------------------------------------------------------------------ the checks' skip/pass paths


def _variant(tmp_path: Path, platform: str, probe: str, out: str | None, meta: dict | None = None) -> Path:
    """A copy of <platform>/healthy with one probe replaced (None: removed)."""
    root = tmp_path / f"{platform}-{probe}"
    shutil.copytree(SCEN / platform / "healthy", root)
    (root / "expected.json").unlink()
    for suffix in (".out", ".json"):
        (root / "probes" / f"{probe}{suffix}").unlink(missing_ok=True)
    if out is not None:
        (root / "probes" / f"{probe}.out").write_text(out)
    if meta is not None:
        (root / "probes" / f"{probe}.json").write_text(json.dumps({"rc": 0, "stderr": "", **meta}))
    return root


def _outcome(tmp_path: Path, bundle: Path, check_id: str) -> dict:
    run = run_suite("--replay", str(bundle), "tests_host", reports=tmp_path / "reports" / bundle.name)
    return run.check(check_id)


@pytest.mark.parametrize("platform, probe, out, meta, outcome, says", [
    ("macos", "multipassd_log", "", {"rc": 1, "stderr": "tail: /Library/Logs/Multipass/multipassd.log: No such "
                                                        "file or directory"}, "skipped", "does not exist"),
    ("macos", "multipassd_log", "", None, "skipped", "is empty"),
    ("macos", "multipassd_log", None, None, "skipped", "not recorded"),
    ("macos", "multipassd_log", "", {"rc": -9, "timed_out": True}, "error", "timed out"),
    ("linux", "multipassd_journal", "", {"rc": 1, "argv": ["sudo", "-n", "journalctl"],
                                         "stderr": "sudo: journalctl: command not found"},
     "skipped", "journalctl is not installed"),
    ("linux", "multipassd_journal", "-- No entries --\n", None, "skipped", "no entries for snap.multipass*"),
    ("linux", "multipassd_journal", "", {"rc": 1, "stderr": "No journal files were found.\n"
                                         "Failed to add filter for units: No data available"},
     "skipped", "no systemd journal to read"),
    ("linux", "multipassd_journal", "", {"rc": 1, "stderr": "Failed to open journal: Bad message"},
     "error", "exit code 1"),
    ("linux", "multipassd_journal", "", {"rc": 1, "argv": ["sudo", "-n", "journalctl"],
                                         "stderr": "sudo: a password is required"}, "skipped", "sudo"),
    ("windows", "multipass_events", "", {"rc": 1, "stderr": (
        "Get-WinEvent : There is not an event provider on the localhost computer that matches \"Multipass\".\r\n"
        "At line:1 char:1\r\n+ Get-WinEvent -ProviderName Multipass -MaxEvents 500 | Select-Object T ...\r\n"
        "    + CategoryInfo          : ObjectNotFound: (:) [Get-WinEvent], Exception\r\n"
        "    + FullyQualifiedErrorId : NoMatchingProvidersFound,Microsoft.PowerShell.Commands.GetWinEventCommand\r\n")},
     "skipped", "no event source named Multipass"),
    ("windows", "multipass_events", "", {"rc": 1, "stderr": "Get-WinEvent : The RPC server is unavailable\r\n"
                                         "    + FullyQualifiedErrorId : System.Diagnostics.Eventing.Reader."
                                         "EventLogException,Microsoft.PowerShell.Commands.GetWinEventCommand\r\n"},
     "error", "RPC server"),
])
def test_log_absent_or_unreadable(tmp_path, platform, probe, out, meta, outcome, says):
    rec = _outcome(tmp_path, _variant(tmp_path, platform, probe, out, meta), f"{platform}.logs.known_errors")
    assert rec["outcome"] == outcome, rec
    assert says in rec["message"], rec["message"]


def test_windows_no_events_at_all_passes(tmp_path):
    """hosts-ics-absent (a fresh install) has the source but no event: NoMatchingEventsFound is an empty log."""
    run = run_suite("--replay", str(SCEN / "windows" / "hosts-ics-absent"), "tests_host",
                    reports=tmp_path / "reports")
    assert run.check("windows.logs.known_errors")["outcome"] == "passed"


def test_linux_routing_signature_says_its_class(tmp_path):
    journal = ("2026-11-27T22:18:41+00:00 host multipassd[2871]: Failed to set firewall rule; Table: filter; "
               "Failure: Failed to set firewall rule; Output: iptables: Resource temporarily unavailable.\n")
    rec = _outcome(tmp_path, _variant(tmp_path, "linux", "multipassd_journal", journal), "linux.logs.known_errors")
    assert rec["outcome"] == "failed" and rec["problem_class"] == "generic"
    msg = rec["message"]
    assert msg.startswith("linux.logs.known_errors: ") and "`Failed to set firewall rule` (routing problem)" in msg
    assert "last at 2026-11-27 22:18:41+00:00" in msg and "filed (and triaged) under generic" in msg
    assert "$ sudo journalctl --unit 'snap.multipass*' --no-pager -n 200" in msg
    assert rec["remedy"]["id"] == "logs.known_error"
