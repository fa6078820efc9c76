"""The runner: argv only, a hard timeout, and results that say what happened."""

from __future__ import annotations

import os
import sys
import time

from mpdiag import runner


def test_runs_argv_without_a_shell():
    r = runner.run([sys.executable, "-c", "import sys; print(sys.argv[1])", "$HOME; echo hi"], timeout=10)
    assert r.rc == 0 and r.text == "$HOME; echo hi\n"


def test_timeout_kills_the_whole_process_group():
    start = time.monotonic()
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    r = runner.run([sys.executable, "-c", code], timeout=0.5)
    assert r.timed_out and time.monotonic() - start < 5


def test_missing_tool_is_rc_127():
    r = runner.run(["definitely-not-a-tool-xyz"], timeout=1)
    assert r.rc == 127 and "not found" in r.error_text


def test_sudo_refusal_is_recognised():
    r = runner.CommandResult(("sudo", "-n", "lsof"), 1, b"", b"sudo: a password is required\n")
    assert r.sudo_refused
    assert not runner.CommandResult(("lsof",), 1, b"", b"lsof: no such port\n").sudo_refused


def test_privileged_uses_sudo_n_only_when_not_root():
    argv = runner.privileged(["lsof", "-i"])
    assert argv == (["lsof", "-i"] if os.geteuid() == 0 else ["sudo", "-n", "lsof", "-i"])


def test_utf16_output_is_decoded():
    r = runner.CommandResult((), 0, "Name\r\nDefault Switch\r\n".encode("utf-16"))
    assert r.text == "Name\nDefault Switch\n"
