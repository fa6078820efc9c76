"""The prefetch (mpdiag/prefetch.py): the same answers as a serial run, each probe once, at once.

- every scenario replayed with the prefetch and with --no-prefetch gives every check the same
  outcome and message, and diagnosis.json the same environment (in-process runs, split over
  two processes: selftests/replay_subsets.py);
- the session runs a key once however many threads ask, and concurrently;
- what a check reads is discovered from its code, the target gates instance probes;
- Ctrl-C while probes are in flight ends the run as interrupted (exit 2) with whole reports
  and no probe left running.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mpdiag import prefetch
from mpdiag.probes import ProbeSession, SessionInputs, load_all
from mpdiag.runner import CommandResult
from selftests.procs import fake_tool, kill_recorded
from selftests.replay_subsets import ROOT, computed_once, every_scenario, every_subset, in_two_processes

ALL = every_scenario()

RUN_SERIAL = """
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from selftests.replay_subsets import replay
out = {{}}
with tempfile.TemporaryDirectory() as tmp:
    for scenario in sys.argv[2:]:
        out[scenario] = replay(scenario, "", Path(tmp), ("--no-prefetch",))
Path(sys.argv[1]).write_text(json.dumps(out))
"""


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> dict:
    """{scenario: [with the prefetch, without]}: each the checks' outcomes and messages and the
    environment. A replay prefetches by default: the prefetching run is the whole suite's run
    test_consistency compares its subsets with (computed once per selftest run)."""
    ahead = every_subset(tmp_path_factory)
    serial = computed_once(tmp_path_factory, "serial", lambda: in_two_processes(
        [sys.executable, "-c", RUN_SERIAL.format(root=str(ROOT))], ALL, tmp_path_factory.mktemp("prefetch")))
    return {scenario: [ahead[scenario][""], serial[scenario]] for scenario in serial}


@pytest.mark.parametrize("scenario", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_prefetch_answers_as_a_serial_run(scenario: Path, both):
    ahead, serial = both[str(scenario)]
    assert serial["checks"], "no check ran"
    diff = {cid: (serial["checks"].get(cid), got) for cid, got in ahead["checks"].items()
            if serial["checks"].get(cid) != got}
    assert not diff, f"prefetch answers differently (serial, prefetch): {diff}"
    assert set(ahead["checks"]) == set(serial["checks"])
    assert ahead["environment"] == serial["environment"]


# ---- the session under threads -------------------------------------------------------------

class SlowSource:
    """Every fetch takes `delay` seconds; counts the calls per key and the most at once."""

    mode = "live"

    def __init__(self, delay: float = 0.3) -> None:
        self.delay = delay
        self.calls: dict[tuple, int] = {}
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def fetch(self, probe, ctx):
        key = (probe.name, ctx.instance, tuple(sorted(ctx.params.items())))
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.delay)
        with self.lock:
            self.running -= 1
        return CommandResult((probe.name,), 0, b"qemu\n", b"", self.delay)


def test_a_key_runs_once_however_many_threads_ask():
    src = SlowSource()
    s = ProbeSession(src, "linux", 2.0)
    threads = [threading.Thread(target=lambda: s.get("multipass_driver")) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert src.calls == {("multipass_driver", None, ()): 1} and s.executions == 1
    assert s.get("multipass_driver") == "qemu"


def test_prefetch_runs_the_probes_at_once_and_each_once():
    src = SlowSource(0.4)
    s = ProbeSession(src, "linux", 2.0)
    names = ["multipass_networks", "sysctl_ip_forward", "snap_multipass", "host_ip_route", "etc_environment"]
    t0 = time.monotonic()
    done = prefetch.prefetch(s, names, workers=8)
    took = time.monotonic() - t0
    assert sorted(k[0] for k in done.calls) == sorted(names)
    assert set(src.calls.values()) == {1} and len(src.calls) == len(names)
    assert src.most == len(names), "the probes did not run concurrently"
    assert took < 0.4 * len(names) - 0.4, took
    for name in names:  # a check then reads the finished result: no second run
        s.result(name)
    assert set(src.calls.values()) == {1}


def test_calls_run_at_once_side_by_side_and_each_once():
    src = SlowSource(0.3)
    s = ProbeSession(src, "linux", 2.0)
    calls = [("arping", None, {"iface": "mpqemubr0", "ip": f"10.0.0.{n}"}) for n in (2, 3, 4)]
    s.run_at_once([*calls, calls[0]])
    assert src.most == 3 and set(src.calls.values()) == {1}
    s.run_at_once(calls)  # done: nothing runs again
    assert set(src.calls.values()) == {1} and s.executions == 3


def test_a_held_call_waits_for_the_result_given_beside_the_source():
    src = SlowSource(0.0)
    s = ProbeSession(src, "linux", 2.0)
    assert s.hold("dhcp_capture", None, {})
    got = {}
    reader = threading.Thread(target=lambda: got.update(r=s.result("dhcp_capture")))
    reader.start()
    time.sleep(0.2)
    assert reader.is_alive()  # waiting, not running it
    s.provide("dhcp_capture", CommandResult(("tcpdump",), 0, b"{}"))
    reader.join(5)
    assert got["r"].stdout == b"{}" and src.calls == {}


def test_the_pool_is_bounded():
    src = SlowSource(0.2)
    s = ProbeSession(src, "linux", 2.0)
    prefetch.prefetch(s, ["multipass_driver", "sysctl_ip_forward", "snap_multipass", "host_ip_route"], workers=2)
    assert src.most == 2


class OneHangs:
    """A live-like source: `snap_multipass` runs a real `sleep 30` through the runner (killable,
    as a probe is); every other probe answers at once."""

    mode = "live"

    def fetch(self, probe, ctx):
        from mpdiag import runner

        if probe.name == "snap_multipass":
            return runner.run(["sleep", "30"], timeout=25)
        return CommandResult((probe.name,), 0, b"qemu\n", b"", 0.0)


@pytest.mark.skipif(os.name != "posix", reason="POSIX sleep")
def test_finishing_drops_what_no_check_waited_for_and_records_none_of_it(tmp_path):
    from mpdiag.bundle import BundleWriter
    from mpdiag.probes import RecordingSource

    writer = BundleWriter(tmp_path / "bundle")
    s = ProbeSession(RecordingSource(OneHangs(), writer), "linux", 25.0)
    bg = prefetch.Background(s, ["multipass_driver", "snap_multipass"], workers=4).start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and ("multipass_driver", None, ()) not in s.results:
        time.sleep(0.02)
    time.sleep(0.3)  # the sleep is running now
    t0 = time.monotonic()
    done = bg.finish()
    assert time.monotonic() - t0 < 5, "finish waited for a probe no check reads"
    assert done is not None and ("multipass_driver", None, ()) in done.calls
    assert ("snap_multipass", None, ()) not in s.results  # dropped, not a killed result
    recorded = sorted(p.name for p in (tmp_path / "bundle").rglob("*.out"))
    assert recorded == ["multipass_driver.out"], recorded
    assert s.get("multipass_driver") == "qemu"


def test_what_a_probe_command_reads_is_noted_whoever_ran_it():
    """multipass_info's command reads the version: a check reading info shows both, also when a
    prefetch thread ran it."""
    class Live(SlowSource):
        def fetch(self, probe, ctx):
            if callable(probe.command):
                probe.command(ctx)  # as LiveSource builds the argv
            return super().fetch(probe, ctx)

    src = Live(0.0)
    s = ProbeSession(src, "linux", 2.0)
    prefetch.prefetch(s, ["multipass_info"], workers=2)
    with s.reading() as keys:
        s.result("multipass_info")
    assert {k[0] for k in keys} == {"multipass_info", "multipass_version"}


# ---- what is prefetched ---------------------------------------------------------------------

@pytest.fixture
def checks_importable(pytestconfig):
    """The doctor's check modules, importable here (their `check` marker known to this run)."""
    pytestconfig.addinivalue_line("markers", "check(id): a catalog check")
    pytestconfig.addinivalue_line("markers", "launches: creates an instance")


def test_the_probes_a_check_reads_are_discovered_from_its_code(checks_importable):
    import tests_instance.test_3_dns as dns
    import tests_instance.test_3_way_out as way_out
    from fixtures.target import InstanceView

    names = load_all()
    found = prefetch.probes_named_by([dns.test_answers_are_not_intercepted, InstanceView], names)
    assert {"resolve_name", "dig_gateway", "dig_external", "ip_addr", "ip_route"} <= found  # through _answers too
    assert "ping_df" in prefetch.probes_named_by([way_out.test_path_mtu_has_no_black_hole], names)  # via _ladder
    assert "tls_handshake" not in prefetch.probes_named_by([way_out.test_path_mtu_has_no_black_hole], names)


def test_the_plan_leaves_out_the_launch_capture_and_other_platforms(checks_importable):
    import tests_instance.test_4_arp as arp
    from fixtures.target import InstanceView

    s = ProbeSession(SlowSource(0.0), "linux", 2.0)
    names = prefetch.plan(s, [arp.test_extra_ips_answer_arp, InstanceView, ProbeSession])
    assert {"ip_addr", "multipass_list", "arping_assigned", "host_ip_addr"} <= names
    assert not names & {"multipass_launch", "dhcp_capture", "ifconfig"}
    # the session's own code reads the registry, which names every probe: that names none
    assert not names & {"firewalld_zones", "iptables", "multipass_find", "ufw_status"}
    assert {"arping", "alias_add"} <= names  # the ARP check's, through their rules (alias_del follows alias_add)


def _listed(state: str, ipv4: list[str]) -> CommandResult:
    out = json.dumps({"list": [{"name": "primary", "state": state, "ipv4": ipv4, "release": "24.04 LTS"}]})
    return CommandResult(("multipass", "list"), 0, out.encode())


class TableSource:
    mode = "live"

    def __init__(self, table: dict[str, CommandResult]) -> None:
        self.table = table
        self.calls: list[tuple] = []

    def fetch(self, probe, ctx):
        self.calls.append((probe.name, ctx.instance))
        return self.table.get(probe.name, CommandResult((probe.name,), 0, b"[]"))


@pytest.mark.parametrize("state,ipv4", [("Stopped", []), ("Running", [])])
def test_nothing_runs_in_an_instance_a_check_would_not_exec_into(state, ipv4):
    src = TableSource({"multipass_list": _listed(state, ipv4),
                       "multipass_version": CommandResult(("v",), 0, b'{"multipass": "1.16.3", "multipassd": "1.16.3"}')})
    s = ProbeSession(src, "linux", 2.0)
    prefetch.prefetch(s, ["multipass_list", "multipass_version", "ip_addr", "ip_route", "ping_external",
                          "arping_assigned"], workers=4)
    assert not [c for c in src.calls if c[1] is not None], src.calls
    assert ("multipass_list", None) in src.calls


def test_a_running_target_gets_its_probes_with_params_from_the_model():
    src = TableSource({"multipass_list": _listed("Running", ["10.1.2.3"]),
                       "multipass_version": CommandResult(("v",), 0, b'{"multipass": "1.16.3", "multipassd": "1.16.3"}')})
    s = ProbeSession(src, "linux", 2.0)
    done = prefetch.prefetch(s, ["multipass_list", "ip_route", "ping_external", "dig_external"], workers=4)
    keys = set(done.calls)
    assert ("ip_route", "primary", ()) in keys
    assert ("ping_external", "primary", (("ip", "1.1.1.1"),)) in keys
    assert ("dig_external", "primary", (("name", "google.ie"), ("server", "1.1.1.1"))) in keys


class BatchingSource(TableSource):
    """A source that batches the instance commands it can (as LiveSource does): each batch's
    names, and each probe fetched alone."""

    def __init__(self, table: dict[str, CommandResult]) -> None:
        super().__init__(table)
        self.batches: list[list[str]] = []

    @staticmethod
    def can_batch(probe) -> bool:
        return probe.instance and probe.call is None and not callable(probe.command)

    def fetch_together(self, items, done) -> list[int]:
        self.batches.append([probe.name for probe, _ in items])
        for i, (probe, _) in enumerate(items):
            done(i, self.table.get(probe.name, CommandResult((probe.name,), 0, b"[]")))
        return []


def test_a_rule_reads_the_instance_probes_through_their_batch_not_an_exec_of_its_own():
    """The gateway's rules read the routes: the routes are claimed by the first batch before any
    rule runs, so no instance probe is fetched alone and the gateway's calls form a later batch."""
    route = json.dumps([{"dst": "default", "gateway": "10.1.2.1", "dev": "eth0"}]).encode()
    src = BatchingSource({"multipass_list": _listed("Running", ["10.1.2.3"]),
                          "multipass_version": CommandResult(("v",), 0, b'{"multipass": "1.16.3", "multipassd": "1.16.3"}'),
                          "ip_route": CommandResult(("ip", "-j", "route"), 0, route)})
    s = ProbeSession(src, "linux", 2.0)
    done = prefetch.prefetch(s, ["multipass_list", "multipass_version", "ip_addr", "ip_route", "ping_gateway",
                                 "dig_gateway", "ping_external"], workers=6)
    assert not [c for c in src.calls if c[1] is not None], f"instance probes fetched alone: {src.calls}"
    first = next(b for b in src.batches if "ip_route" in b)
    assert {"ip_addr", "ip_route", "ping_external"} <= set(first), src.batches
    assert ("ping_gateway", "primary", (("ip", "10.1.2.1"),)) in done.calls
    assert any("ping_gateway" in b and "dig_gateway" in b for b in src.batches), src.batches


def _ip_addr(*ifaces: tuple[str, list[str]]) -> CommandResult:
    out = [{"ifname": name, "operstate": "UP", "addr_info": [
        {"family": "inet", "local": a.split("/")[0], "prefixlen": int(a.split("/")[1])} for a in addrs]}
        for name, addrs in ifaces]
    return CommandResult(("ip", "-j", "addr"), 0, json.dumps(out).encode())


def test_an_attached_instances_extra_addresses_are_asked_for_with_the_assigned_one():
    """The ARP check's arpings (2 s each when nothing answers) start beside the rest: the
    assigned address and each extra one the instance already has, from the bridge facing it."""
    route = json.dumps([{"dst": "default", "gateway": "10.1.2.1", "dev": "eth0"}]).encode()
    src = TableSource({"multipass_list": _listed("Running", ["10.1.2.3"]),
                       "multipass_version": CommandResult(("v",), 0, b'{"multipass": "1.16.3", "multipassd": "1.16.3"}'),
                       "ip_addr": _ip_addr(("lo", ["127.0.0.1/8"]), ("eth0", ["10.1.2.3/24", "10.1.2.200/24"])),
                       "ip_route": CommandResult(("ip", "-j", "route"), 0, route),
                       "host_ip_addr": _ip_addr(("mpqemubr0", ["10.1.2.1/24"]))})
    s = ProbeSession(src, "linux", 2.0)
    done = prefetch.prefetch(s, ["multipass_list", "multipass_version", "ip_addr", "ip_route", "host_ip_addr",
                                 "arping_assigned", "arping"], workers=4)
    assert ("arping_assigned", None, (("iface", "mpqemubr0"), ("ip", "10.1.2.3"))) in done.calls, done.calls
    assert ("arping", None, (("iface", "mpqemubr0"), ("ip", "10.1.2.200"))) in done.calls, done.calls
    assert not done.problems


def _arp_table(**extra: CommandResult) -> dict[str, CommandResult]:
    route = json.dumps([{"dst": "default", "gateway": "10.1.2.1", "dev": "eth0"}]).encode()
    return {"multipass_list": _listed("Running", ["10.1.2.3"]),
            "multipass_version": CommandResult(("v",), 0, b'{"multipass": "1.16.3", "multipassd": "1.16.3"}'),
            "ip_addr": _ip_addr(("lo", ["127.0.0.1/8"]), ("eth0", ["10.1.2.3/24"])),
            "ip_route": CommandResult(("ip", "-j", "route"), 0, route),
            "host_ip_addr": _ip_addr(("mpqemubr0", ["10.1.2.1/24"])), **extra}


ARP_PLAN = ["multipass_list", "multipass_version", "multipass_info", "ip_addr", "ip_route", "host_ip_addr",
            "arping_assigned", "arping", "alias_add"]
ALIAS = (("cidr", "10.1.2.254/24"), ("dev", "eth0"))


def test_a_launched_instances_alias_is_added_asked_for_and_removed_after_what_would_see_it():
    """On an instance the suite launched, the ARP check's alias (the one it picks: the top of the
    subnet) is added once the instance's addresses, the list and the info have been read (none
    of them may show it), asked for from the bridge once it is there, and removed after."""
    src = TimedSource(_arp_table(), {"multipass_info": 0.3, "arping": 0.2})
    s = ProbeSession(src, "linux", 2.0, inputs=SessionInputs(launch="primary"))
    done = prefetch.prefetch(s, ARP_PLAN, workers=6)
    assert ("alias_add", "primary", ALIAS) in done.calls and ("alias_del", "primary", ALIAS) in done.calls
    assert ("arping", None, (("iface", "mpqemubr0"), ("ip", "10.1.2.254"))) in done.calls, done.calls
    t = src.times
    assert t["alias_add"][0] >= max(t[n][1] for n in ("multipass_info", "ip_addr", "multipass_list"))
    assert t["alias_add"][1] <= t["arping"][0] and t["arping"][1] <= t["alias_del"][0], t
    assert not done.problems


def test_an_alias_that_cannot_be_added_is_neither_asked_for_nor_removed():
    src = TableSource(_arp_table(alias_add=CommandResult(("ip", "addr", "add"), 2, b"", b"RTNETLINK answers: denied")))
    done = prefetch.prefetch(ProbeSession(src, "linux", 2.0, inputs=SessionInputs(launch="primary")),
                             ARP_PLAN, workers=6)
    assert ("alias_add", "primary", ALIAS) in done.calls
    assert not [c for c in done.calls if c[0] in ("arping", "alias_del")], done.calls


def test_an_attached_instance_gets_no_alias():
    src = TableSource(_arp_table())
    done = prefetch.prefetch(ProbeSession(src, "linux", 2.0), ARP_PLAN, workers=6)
    assert not [c for c in done.calls if c[0].startswith("alias")], done.calls
    assert not [c for c in src.calls if c[0].startswith("alias")], src.calls


def test_no_extra_address_is_asked_for_where_the_instance_has_none():
    src = TableSource({"multipass_list": _listed("Running", ["10.1.2.3"]),
                       "ip_addr": _ip_addr(("eth0", ["10.1.2.3/24"])),
                       "host_ip_addr": _ip_addr(("mpqemubr0", ["10.1.2.1/24"]))})
    done = prefetch.prefetch(ProbeSession(src, "linux", 2.0),
                             ["multipass_list", "ip_addr", "ip_route", "host_ip_addr", "arping_assigned", "arping"],
                             workers=4)
    assert not [c for c in done.calls if c[0].startswith("arping")], done.calls


class TimedSource(TableSource):
    """Each probe takes `delays[name]` seconds (default none); records when each started and ended."""

    def __init__(self, table: dict[str, CommandResult], delays: dict[str, float]) -> None:
        super().__init__(table)
        self.delays = delays
        self.times: dict[str, tuple[float, float]] = {}

    def fetch(self, probe, ctx):
        t0 = time.monotonic()
        time.sleep(self.delays.get(probe.name, 0.0))
        self.times[probe.name] = (t0, time.monotonic())
        return super().fetch(probe, ctx)


@pytest.mark.parametrize("list_s", [0.3, 2.0], ids=["answers", "hangs"])
def test_the_first_probes_run_alone_for_a_moment(list_s):
    """What every instance probe waits for (the list) starts alone, beside the version only
    (`multipass info` reads it): the other host probes (the driver too: on a small host three
    CLI starts at once make the list take twice as long) start once it has answered, or after
    FIRST_ALONE when it hangs (they never wait for a hung one)."""
    src = TimedSource({"multipass_list": _listed("Running", ["10.1.2.3"])}, {"multipass_list": list_s})
    others = ("multipass_driver", "multipass_info", "multipass_networks")
    prefetch.prefetch(ProbeSession(src, "linux", 5.0), ["multipass_list", "multipass_version", *others], workers=4)
    list_start, list_end = src.times["multipass_list"]
    others = [src.times[n][0] for n in others]
    if list_s < prefetch.FIRST_ALONE:  # after its answer
        assert all(t >= list_end - 0.01 for t in others), (list_start, list_end, others)
    else:  # after FIRST_ALONE, long before the hung list ends
        assert all(list_start + prefetch.FIRST_ALONE - 0.05 <= t < list_end - 0.5 for t in others), \
            (list_start, list_end, others)


def test_params_are_told_from_the_argv_or_the_function():
    reg = load_all()
    assert prefetch.takes_params(reg["ping_gateway"]) and prefetch.takes_params(reg["dns_gateway"])
    assert not prefetch.takes_params(reg["multipass_info"]) and not prefetch.takes_params(reg["ip_addr"])
    assert not prefetch.takes_params(reg["listening_sockets"])


# ---- Ctrl-C ----------------------------------------------------------------------------------

SLOW_MULTIPASS = """#!/bin/sh
echo $$ >> "$PIDS"
exec sleep 30
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child and POSIX sleep")
def test_ctrl_c_during_the_prefetch_is_an_interrupted_run_with_whole_reports(tmp_path):
    bin_dir = fake_tool(tmp_path / "bin", "multipass", SLOW_MULTIPASS).parent
    pids = tmp_path / "pids"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PIDS": str(pids)}
    env.pop("PYTEST_XDIST_WORKER", None)
    reports = tmp_path / "r"
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--reports={reports}",
                             "tests_instance", "--instance", "primary"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(pids.read_text().split() if pids.exists() else []) < 3:
            time.sleep(0.05)
        assert pids.exists() and len(pids.read_text().split()) >= 3, "the probes never ran at once"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    left = kill_recorded(pids)
    assert proc.returncode == 2, out[-2000:]
    assert not left, f"probes still running after Ctrl-C: {left}"
    diag = json.loads((reports / "diagnosis.json").read_text())  # whole, parseable
    assert "checks" in diag


def test_the_names_may_come_as_any_iterable():
    src = TableSource({"multipass_list": _listed("Running", ["10.1.2.3"])})
    done = prefetch.prefetch(ProbeSession(src, "linux", 2.0), iter(["multipass_list", "multipass_info"]))
    assert done.names == {"multipass_list", "multipass_info"}
    assert {c[0] for c in src.calls} == {"multipass_list", "multipass_info"}
