"""Live progress: on a terminal a live run says which probe it waits on and for how long;
piped output (CI logs) holds none of it."""

from __future__ import annotations

import io
import os
import sys
from types import SimpleNamespace

import pytest

from fixtures.progress import Progress, label, wanted
from selftests.suite import ROOT

FAKE_MULTIPASS = """#!/bin/sh
sleep 2.6
echo '{"multipass": "1.16.3", "multipassd": "1.16.3"}'
"""


def test_the_line_names_the_probe_and_the_wait_then_goes():
    now = [0.0]
    out = io.StringIO()
    p = Progress(out, clock=lambda: now[0])
    p._thread = object()  # draw by hand: no ticking thread
    p.begin("ping 1.1.1.1 from primary")
    p.draw()
    assert out.getvalue() == ""  # shorter than the delay: nothing
    now[0] = 2.2
    p.draw()
    assert out.getvalue().endswith("waiting: ping 1.1.1.1 from primary, 2 s")
    p.end()
    assert out.getvalue().endswith("\x1b8\x1b[K")  # erased, pytest's line left as it was


def test_label_from_a_probe_and_its_context():
    probe = SimpleNamespace(name="ping_external", call=None, command=("ping", "-n", "-c", "15", "{ip}"))
    ctx = SimpleNamespace(params={"ip": "1.1.1.1"}, instance="primary")
    assert label(probe, ctx) == "ping 1.1.1.1 from primary"
    mp = SimpleNamespace(name="multipass_version", call=None, command=("multipass", "version", "--format", "json"))
    assert label(mp, SimpleNamespace(params={}, instance=None)) == "multipass version"


def test_only_on_a_terminal_outside_ci():
    assert wanted(True, {})
    assert not wanted(False, {})
    assert not wanted(True, {"CI": "true"})
    assert not wanted(True, {"TERM": "dumb"})


def _fake_path(tmp_path) -> dict:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "multipass"
    fake.write_text(FAKE_MULTIPASS)
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for k in ("CI", "PYTEST_XDIST_WORKER"):
        env.pop(k, None)
    env["TERM"] = "xterm"
    return env


ARGS = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:allure_pytest",
        "tests_host/linux/test_multipass.py"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the live run uses this Linux host's checks")
def test_a_live_run_on_a_terminal_shows_the_wait(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(sys.executable, [*ARGS, f"--reports={tmp_path / 'r'}"], cwd=str(ROOT),
                          env=_fake_path(tmp_path), encoding="utf-8", timeout=120, dimensions=(40, 200))
    child.expect(r"waiting: multipass (version|list|get), \d s")  # the prefetch runs all three at once
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the live run uses this Linux host's checks")
def test_piped_output_holds_no_progress(tmp_path):
    import subprocess

    proc = subprocess.run([sys.executable, *ARGS, f"--reports={tmp_path / 'r'}"], cwd=ROOT, env=_fake_path(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert "multipass_version" in (tmp_path / "r" / "diagnosis.json").read_text()
    assert "waiting:" not in proc.stdout + proc.stderr and "\x1b7" not in proc.stdout
