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


# ---- the reliability contract: bounded time, whole tree killed, output capped ---------------

import shutil  # noqa: E402
import textwrap  # noqa: E402

import pytest  # noqa: E402

from selftests.procs import kill_recorded  # noqa: E402

posix_sh = pytest.mark.skipif(os.name == "nt" or not shutil.which("sh"), reason="needs a POSIX sh")


def _script(tmp_path, body: str) -> list[str]:
    """A shell script that writes the PID of every process it starts to pids.txt."""
    path = tmp_path / "probe.sh"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return [str(path)]


def _leftovers(tmp_path) -> list[int]:
    """PIDs the script recorded that still run; killed here by PID."""
    return kill_recorded(tmp_path / "pids.txt")


@posix_sh
@pytest.mark.skipif(not shutil.which("setsid"), reason="needs setsid")
def test_a_child_that_escapes_the_process_group_neither_hangs_the_run_nor_survives(tmp_path):
    argv = _script(tmp_path, """\
        setsid sh -c 'echo $$ >> "$PIDS"; exec sleep 300' &
        echo $$ >> "$PIDS"
        echo started
        sleep 300
        """)
    start = time.monotonic()
    r = runner.run(argv, timeout=1, env={**os.environ, "PIDS": str(tmp_path / "pids.txt")})
    took = time.monotonic() - start
    assert r.timed_out and r.text == "started\n"
    assert took < 1 + 2 * runner.PIPE_GRACE + 1
    assert _leftovers(tmp_path) == []


@posix_sh
@pytest.mark.skipif(not shutil.which("setsid"), reason="needs setsid")
def test_a_double_forked_escapee_holding_the_pipe_is_found_and_killed(tmp_path):
    # the escapee's parent exits at once: it is no longer in the tree, only its mark finds it
    argv = _script(tmp_path, """\
        (setsid sh -c 'echo $$ >> "$PIDS"; exec sleep 300' &)
        echo $$ >> "$PIDS"
        exit 0
        """)
    start = time.monotonic()
    r = runner.run(argv, timeout=1, env={**os.environ, "PIDS": str(tmp_path / "pids.txt")})
    assert r.timed_out and time.monotonic() - start < 1 + 2 * runner.PIPE_GRACE + 1
    assert _leftovers(tmp_path) == []


@posix_sh
def test_a_flood_is_cut_at_the_cap_and_the_head_kept(tmp_path):
    argv = _script(tmp_path, "echo $$ >> \"$PIDS\"; exec yes flood\n")
    r = runner.run(argv, timeout=1, env={**os.environ, "PIDS": str(tmp_path / "pids.txt")},
                   output_cap=100_000)
    assert r.truncated and r.timed_out
    assert len(r.stdout) == 100_000 and r.stdout.startswith(b"flood\nflood\n")
    assert r.kept_bytes == 100_000
    assert _leftovers(tmp_path) == []


def test_output_within_the_cap_is_whole_and_not_marked_cut():
    code = "import sys; sys.stdout.write('x' * 5000); sys.stderr.write('e' * 5000)"
    r = runner.run([sys.executable, "-c", code], timeout=10, output_cap=5000)
    assert not r.truncated and r.rc == 0 and len(r.stdout) == len(r.stderr) == 5000


def test_a_large_output_that_ends_keeps_its_exit_code_and_head():
    code = "import sys; sys.stdout.write('y' * 3_000_000); sys.stderr.write('e' * 10); sys.exit(3)"
    r = runner.run([sys.executable, "-c", code], timeout=20, output_cap=1000)
    assert r.truncated and not r.timed_out and r.rc == 3
    assert r.stdout == b"y" * 1000 and r.stderr == b"e" * 10


@posix_sh
def test_a_child_that_closes_its_output_but_keeps_running_is_timed_out(tmp_path):
    argv = _script(tmp_path, "echo $$ >> \"$PIDS\"; echo bye; exec >&- 2>&-; exec sleep 300\n")
    start = time.monotonic()
    r = runner.run(argv, timeout=1, env={**os.environ, "PIDS": str(tmp_path / "pids.txt")})
    assert r.timed_out and r.text == "bye\n" and time.monotonic() - start < 1 + runner.PIPE_GRACE + 1
    assert _leftovers(tmp_path) == []


@posix_sh
def test_a_background_child_left_behind_holding_the_pipe_is_bounded_by_the_timeout(tmp_path):
    argv = _script(tmp_path, "sh -c 'echo $$ >> \"$PIDS\"; exec sleep 300' &\necho $$ >> \"$PIDS\"\necho done\n")
    start = time.monotonic()
    r = runner.run(argv, timeout=1, env={**os.environ, "PIDS": str(tmp_path / "pids.txt")})
    assert r.timed_out and r.text == "done\n" and time.monotonic() - start < 1 + runner.PIPE_GRACE + 1
    assert _leftovers(tmp_path) == []


def test_a_fork_bomb_like_tree_is_killed_whole(tmp_path):
    pids = tmp_path / "pids.txt"
    code = textwrap.dedent(f"""\
        import subprocess, sys, time
        if len(sys.argv) < 2 or int(sys.argv[1]) < 3:
            depth = int(sys.argv[1]) if len(sys.argv) > 1 else 0
            for _ in range(2):
                subprocess.Popen([sys.executable, __file__, str(depth + 1)])
        open({str(pids)!r}, "a").write(f"{{__import__('os').getpid()}}\\n")
        time.sleep(300)
        """)
    script = tmp_path / "tree.py"
    script.write_text(code)
    r = runner.run([sys.executable, str(script)], timeout=2, env={**os.environ, "PIDS": str(pids)})
    assert r.timed_out
    assert _leftovers(tmp_path) == []
