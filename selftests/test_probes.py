"""The probe session: each probe runs once; no data is never a value."""

from __future__ import annotations

import sys

import pytest

from mpdiag.probes.common import parse_json
from mpdiag.bundle import open_bundle
from mpdiag.errors import NeedsPrivilege, NotRecorded, ParseError, ProbeError
from mpdiag.multipass import exec_argv, info_argv, unwrap_exit
from mpdiag.probes import Probe, ProbeSession, ReplaySource, load_all
from mpdiag.runner import CommandResult, run
from selftests.suite import SCENARIOS


class FakeSource:
    mode = "live"

    def __init__(self, results: dict[str, CommandResult]):
        self.results = results
        self.calls: list[str] = []

    def fetch(self, probe, ctx):
        self.calls.append(probe.name)
        return self.results[probe.name]


def session(results, **probes: Probe) -> tuple[ProbeSession, FakeSource]:
    src = FakeSource(results)
    reg = dict(load_all())
    reg.update(probes)
    return ProbeSession(src, "macos", 2.0, registry=reg), src


def res(out: str = "", rc: int = 0, err: str = "", timed_out: bool = False) -> CommandResult:
    return CommandResult(("x",), rc, out.encode(), err.encode(), 0.0, timed_out)


def test_each_probe_runs_once():
    s, src = session({"multipass_driver": res("qemu\n")})
    assert s.get("multipass_driver") == "qemu"
    assert s.get("multipass_driver") == "qemu"
    assert src.calls == ["multipass_driver"] and s.executions == 1


def test_errors_are_remembered_too():
    s, src = session({"multipass_driver": res("qemu and more\nlines\n")})
    for _ in range(2):
        with pytest.raises(ParseError):
            s.get("multipass_driver")
    assert s.executions == 1


def test_timeout_failure_and_privilege():
    s, _ = session({"pf_nat": res(timed_out=True), "lsof_port53": res(rc=1, err="sudo: a password is required"),
                    "sw_vers": res(rc=1, err="boom"), "ifconfig": res(rc=127, err="ifconfig: not found")})
    with pytest.raises(ProbeError, match="timed out after 2 s"):
        s.get("pf_nat")
    with pytest.raises(NeedsPrivilege, match="sudo -v"):
        s.get("lsof_port53")
    with pytest.raises(ProbeError, match="exit code 1"):
        s.get("sw_vers")
    with pytest.raises(ProbeError, match="command not found"):
        s.get("ifconfig")


def test_exec_failure_is_not_the_remote_exit_code():
    for rc in (2, 255):  # <= 1.16 and main
        s, _ = session({"resolve_name": res(rc=rc, err="exec failed: ssh connection failed: 'Connection refused'")})
        with pytest.raises(ProbeError, match="multipass exec failed: ssh connection failed"):
            s.get("resolve_name", "primary", name="google.ie")
    s, _ = session({"resolve_name": res(rc=2, err="")})  # getent's own rc 2: not found, which is data
    assert s.get("resolve_name", "primary", name="nope.invalid") == ()


def test_replay_not_recorded():
    bundle = open_bundle(SCENARIOS / "macos" / "healthy")
    s = ProbeSession(ReplaySource(bundle), bundle.platform)
    with pytest.raises(NotRecorded, match="not recorded"):
        s.get("ip_addr")  # an instance probe, asked of the host: never recorded there


def test_python_probe_timeout_is_bounded():
    import time

    slow = Probe("slow", frozenset({"linux"}), parse_json, call=lambda ctx: time.sleep(5))
    s = ProbeSession(__import__("mpdiag.probes", fromlist=["LiveSource"]).LiveSource(), "linux", 0.2,
                     registry={"slow": slow})
    t0 = time.monotonic()
    with pytest.raises(ProbeError, match="timed out"):
        s.get("slow")
    assert time.monotonic() - t0 < 2


def test_exec_argv_guards_exit_4():
    argv = exec_argv("primary", ["sh", "-c", "exit 4"])
    assert argv[:4] == ["multipass", "exec", "primary", "--"]
    guard = argv[4:]  # run the guard locally: the remote side of exec
    assert run(guard, 5).rc == 104 and unwrap_exit(104) == 4
    assert run(exec_argv("p", ["sh", "-c", "exit 3"])[4:], 5).rc == 3
    assert run(exec_argv("p", ["true"])[4:], 5).rc == 0


def test_info_argv_by_version():
    assert "--all" in info_argv((1, 12, 1))
    assert "--all" not in info_argv((1, 16, 3)) and "--all" not in info_argv(None)


def test_every_probe_is_listed_with_a_command():
    for p in load_all().values():
        assert p.display.strip(), p.name
        assert p.platforms, p.name


def test_probes_option_lists_them(tmp_path):
    import subprocess

    out = subprocess.run([sys.executable, "-m", "pytest", "--probes"], capture_output=True, text=True,
                         cwd=SCENARIOS.parent, timeout=60).stdout
    for name in ("lsof_port53", "multipass_info", "ping_gateway"):
        assert name in out
    assert "root" in out
