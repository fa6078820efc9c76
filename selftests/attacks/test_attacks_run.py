"""Attacks on a run: fake `multipass` and `powershell` scripts that hang, fork, escape the
process group, flood, close their output but keep running, or print invalid text; and odd
option values. The contract: bounded time, bounded memory, a clear message, no process
left behind (each fake writes its PIDs to a file; every one is found and killed by PID).
"""

from __future__ import annotations

import os
import shutil
import textwrap
import threading
import time
from pathlib import Path

import psutil
import pytest

from mpdiag import runner
from selftests.procs import kill_recorded
from selftests.suite import run_suite

pytestmark = pytest.mark.skipif(os.name == "nt" or not shutil.which("sh"), reason="fake tools are sh scripts")

FAKES = {
    "escape": """\
        setsid sh -c 'echo $$ >> "$PIDS"; exec sleep 300' &
        echo $$ >> "$PIDS"; sleep 300
        """,
    "double-fork": """\
        (setsid sh -c 'echo $$ >> "$PIDS"; exec sleep 300' &)
        echo $$ >> "$PIDS"
        """,
    "hang": 'echo $$ >> "$PIDS"; exec sleep 300\n',
    "fork": 'echo $$ >> "$PIDS"\nfor i in 1 2 3 4; do sh -c \'echo $$ >> "$PIDS"; exec sleep 300\' & done\nwait\n',
    "flood-stdout": 'echo $$ >> "$PIDS"; exec yes multipass 1.16.3\n',
    "flood-stderr": 'echo $$ >> "$PIDS"; exec yes error >&2\n',
    "close-and-stay": 'echo $$ >> "$PIDS"; exec >&- 2>&-; exec sleep 300\n',
    "invalid-utf8": 'echo $$ >> "$PIDS"; printf "multipass  1.16\\377\\376\\n\\300\\n"\n',
    "odd-utf16": 'echo $$ >> "$PIDS"; printf "\\377\\376m\\000u\\000l"\n',
}


def _fake_bin(tmp_path: Path, body: str) -> Path:
    """A directory holding fake `multipass` and `powershell`, to put first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in ("multipass", "powershell"):
        path = bin_dir / name
        path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
        path.chmod(0o755)
    return bin_dir


def _env(tmp_path: Path, bin_dir: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PIDS": str(tmp_path / "pids.txt")}


def _survivors(tmp_path: Path) -> list[int]:
    """Every PID a fake recorded that still runs: killed here, by PID, and returned."""
    return kill_recorded(tmp_path / "pids.txt")


@pytest.mark.parametrize("attack", list(FAKES))
def test_a_hostile_tool_is_bounded_and_leaves_nothing(tmp_path, attack):
    bin_dir = _fake_bin(tmp_path, FAKES[attack])
    start = time.monotonic()
    try:
        r = runner.run([str(bin_dir / "multipass"), "version"], timeout=1, env=_env(tmp_path, bin_dir),
                       output_cap=1 << 20)
        took = time.monotonic() - start
        assert took < 1 + 2 * runner.PIPE_GRACE + 2, f"{attack} took {took:.1f} s"
        assert len(r.stdout) <= 1 << 20 and len(r.stderr) <= 1 << 20
        if attack.startswith("flood"):
            assert r.truncated
        r.text  # noqa: B018 - decoding is total or a ParseError, never a crash
    except Exception as exc:  # noqa: BLE001 - only a ParseError is an answer
        from mpdiag.errors import ParseError

        if not isinstance(exc, ParseError):
            raise
    finally:
        left = _survivors(tmp_path)
    assert left == [], f"{attack}: processes left behind: {left}"


def _peak_rss_of_tree(proc_pid: int, stop: threading.Event, out: list[int]) -> None:
    peak = 0
    while not stop.is_set():
        try:
            top = psutil.Process(proc_pid)
            total = sum(p.memory_info().rss for p in (top, *top.children(recursive=True))
                        if p.name().startswith("python"))
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(0.05)
    out.append(peak)


@pytest.mark.parametrize("attack", ["flood-stdout", "escape"])
def test_a_suite_run_with_a_hostile_multipass_is_bounded(tmp_path, attack):
    """The whole real suite (live, on this host) against a flooding or escaping `multipass`:
    it ends within probes x timeout plus a few seconds, its Python processes stay under
    300 MiB, and the check says what happened in one message."""
    bin_dir = _fake_bin(tmp_path, FAKES[attack])
    env = _env(tmp_path, bin_dir)
    stop, peak = threading.Event(), []
    me = os.getpid()
    watcher = threading.Thread(target=_peak_rss_of_tree, args=(me, stop, peak), daemon=True)
    before = {p.pid for p in psutil.Process(me).children(recursive=True)}
    watcher.start()
    start = time.monotonic()
    try:
        run = run_suite("--probe-timeout=1", "--probe-output-cap=2M",
                        reports=tmp_path / "r", env=env, timeout=120)
    finally:
        stop.set()
        watcher.join(5)
        left = _survivors(tmp_path)
    took = time.monotonic() - start
    assert left == [], f"processes left behind: {left}"
    assert not ({p.pid for p in psutil.Process(me).children(recursive=True)} - before)
    assert run.rc in (0, 1), run.stdout[-2000:] + run.stderr[-2000:]
    probes = sum(len(c["probes"]) or 1 for c in run.diagnosis["checks"])
    assert took < probes * (1 + 2 * runner.PIPE_GRACE) + 30, f"{took:.0f} s for {probes} probes"
    assert peak and peak[0] - psutil.Process(me).memory_info().rss < 300 << 20, f"peak {peak[0] >> 20} MiB"
    messages = [c["message"] for c in run.diagnosis["checks"] if c["outcome"] != "passed"]
    assert messages and all(m and "Traceback" not in m for m in messages)
    if attack == "flood-stdout":
        assert any("was cut at 2097152 bytes" in m for m in messages), messages
    else:
        assert any("timed out" in m for m in messages), messages


@pytest.mark.parametrize("value", ["--probe-name=-oProxyCommand=touch", "--external-ip=$(id)",
                                   "--external-dns=-f", "--instance=primary;reboot", "--image=--help"])
def test_an_odd_option_value_is_refused_in_one_line(tmp_path, value):
    run = run_suite("--collect-only", value, reports=tmp_path, timeout=120)
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert run.rc == 4 and len(errors) == 1 and errors[0].startswith(f"ERROR: {value.split('=')[0]}: "), \
        run.stderr[-1500:]
