"""The Windows DHCP capture (mpdiag/capture_pktmon.py) driven against a stand-in for pktmon's
command line: the exact command sequence, the bounds, the pcapng going into the record,
and every way it is unavailable (skipped with the reason, nothing left behind, nobody
else's filters or session touched)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

from mpdiag.capture_pktmon import PktmonCapture
from mpdiag.parse import dhcp_pcap

DATA = Path(__file__).parent / "data" / "way_out"
PCAPNG = base64.b64decode(json.loads((DATA / "dhcp_capture_ok_pcapng.json").read_text())["pcap"])
IFACE = ("vEthernet (Default Switch)", "172.22.160.1")


class FakePktmon:
    """Answers pktmon's subcommands; `fail` maps a subcommand to (rc, stderr); etl2pcap writes PCAPNG."""

    def __init__(self, filters: str = "", fail: dict | None = None, writes: bytes = PCAPNG) -> None:
        self.calls: list[list[str]] = []
        self.filters, self.fail, self.writes = filters, fail or {}, writes

    def __call__(self, argv):
        argv = list(argv)
        self.calls.append(argv)
        sub = argv[1] if argv[1] != "filter" else f"filter {argv[2]}"
        if sub in self.fail:
            rc, err = self.fail[sub]
            return subprocess.CompletedProcess(argv, rc, b"", err.encode())
        if sub == "filter list":
            return subprocess.CompletedProcess(argv, 0, self.filters.encode(), b"")
        if sub == "etl2pcap":
            Path(argv[argv.index("--out") + 1]).write_bytes(self.writes)
        return subprocess.CompletedProcess(argv, 0, b"", b"")

    def subcommands(self) -> list[str]:
        return [" ".join(c[1:3]) if c[1] == "filter" else c[1] for c in self.calls]


def capture(fake: FakePktmon, **kw) -> PktmonCapture:
    args = {"tool": "pktmon", "admin": True, "iface": IFACE, "run": fake, **kw}
    return PktmonCapture(**args).start()


def test_the_capture_runs_pktmons_commands_bounded_and_keeps_the_pcapng():
    fake = FakePktmon()
    cap = capture(fake)
    tmp = cap.dir
    assert os.path.isdir(tmp)
    res = cap.stop()
    assert fake.subcommands() == ["filter list", "filter add", "filter add", "start", "stop", "etl2pcap",
                                  "filter remove"]
    assert fake.calls[1][-4:] == ["-t", "UDP", "-p", "67"] and fake.calls[2][-1] == "68"
    start = fake.calls[3]
    assert start[start.index("--file-size") + 1] == "4" and start[start.index("--pkt-size") + 1] == "1500"
    assert start[start.index("--comp") + 1] == "nics" and res.argv == tuple(start)
    assert res.rc == 0 and not os.path.exists(tmp)  # the etl and pcapng are gone
    rec = json.loads(res.stdout)
    assert (rec["interface"], rec["address"]) == IFACE
    parsed = dhcp_pcap.parse_capture(res.stdout.decode())
    assert [m.type for m in parsed.messages] == ["DISCOVER", "OFFER", "REQUEST", "ACK"]


def test_unavailable_without_pktmon_elevation_or_the_switch_and_nothing_runs():
    for kw, words in [({"tool": ""}, "Windows 10 version 2004"), ({"admin": False}, "as Administrator"),
                      ({"iface": None}, "vEthernet (Default Switch)"),
                      ({"iface": ("vEthernet (Default Switch)", None)}, "with an IPv4")]:
        fake = FakePktmon()
        res = capture(fake, **kw).stop()
        assert res.rc == 3 and words in res.error_text and not res.stdout, (kw, res)
        assert fake.calls == []


def test_someone_elses_filters_are_left_alone():
    fake = FakePktmon(filters=" # Name       EtherType Protocol IP Address Port\n"
                              " - ----       --------- -------- ---------- ----\n"
                              " 1 web                  TCP                  443\n")
    res = capture(fake).stop()
    assert fake.subcommands() == ["filter list"] and res.rc == 3 and "left alone" in res.error_text


def test_a_session_already_running_is_not_stopped_and_our_filters_go():
    fake = FakePktmon(fail={"start": (1, "Error: a packet capture session is already running.")})
    cap = capture(fake)
    res = cap.stop()
    assert "stop" not in fake.subcommands() and fake.subcommands()[-1] == "filter remove"
    assert res.rc == 3 and "already running" in res.error_text and not cap.dir


def test_a_failed_conversion_is_no_capture_with_pktmons_words():
    fake = FakePktmon(fail={"etl2pcap": (1, "Error: the log file is corrupt.")})
    res = capture(fake).stop()
    assert res.rc == 1 and not res.stdout and "etl2pcap` failed: Error: the log file is corrupt." in res.error_text
    assert fake.subcommands()[-1] == "filter remove"


def test_the_read_is_bounded():
    from mpdiag import capture_pktmon

    fake = FakePktmon(writes=PCAPNG + b"\0" * (capture_pktmon.READ_MAX + 10))
    res = capture(fake).stop()
    assert len(base64.b64decode(json.loads(res.stdout)["pcap"])) == capture_pktmon.READ_MAX
