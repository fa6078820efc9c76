"""The instance pings' interval fallback (mpdiag.probes.instance.FAST_PING), run by a real sh:
50 ms where ping allows it, 0.2 s where an older iputils refuses ("cannot flood"), and
ping's own output, exit code and errors either way."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mpdiag.parse.iputils import parse_ping
from mpdiag.probes.instance import FAST_PING

pytestmark = pytest.mark.skipif(os.name == "nt" or not shutil.which("sh"), reason="needs a POSIX sh")

# iputils before 20210202 for a user: any interval under 200 ms is refused before a packet is sent.
OLD_IPUTILS = r"""#!/bin/sh
interval=1
while [ $# -gt 1 ]; do
  case $1 in -i) interval=$2; shift;; esac
  shift
done
case $interval in 0.0*|0.1*) echo "ping: cannot flood; minimal interval allowed for user is 200ms" >&2; exit 2;; esac
echo "interval $interval" >> "$CALLS"
printf 'PING %s (%s) 56(84) bytes of data.\n\n--- %s ping statistics ---\n' "$1" "$1" "$1"
printf '3 packets transmitted, 3 received, 0%% packet loss, time 402ms\n'
"""


def fast_ping(count: str, wait: str, ip: str, path: str | None = None, **env_extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"PATH": path} if path else {}), **env_extra}
    return subprocess.run(["sh", "-c", FAST_PING, "ping", count, wait, ip], capture_output=True, text=True,
                          env=env, timeout=20)


@pytest.mark.skipif(not shutil.which("ping"), reason="needs iputils ping")
def test_a_real_ping_of_loopback_runs_at_50_ms():
    res = fast_ping("4", "1", "127.0.0.1")
    assert res.returncode == 0, res.stderr
    assert parse_ping(res.stdout).received == 4
    assert res.stdout.count("PING 127.0.0.1") == 1  # one run, no fallback


def test_an_older_ping_refusing_the_interval_is_run_again_at_0_2_s(tmp_path: Path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ping").write_text(OLD_IPUTILS)
    (fake / "ping").chmod(0o755)
    calls = tmp_path / "calls"
    res = fast_ping("3", "1", "10.0.0.1", path=f"{fake}:{os.environ['PATH']}", CALLS=str(calls))
    assert res.returncode == 0, res.stderr
    assert calls.read_text() == "interval 0.2\n"
    assert "cannot flood" not in res.stdout + res.stderr  # the refusal is not the probe's output
    assert parse_ping(res.stdout).received == 3


def test_an_error_keeps_pings_exit_code_and_message_on_stderr(tmp_path: Path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "ping").write_text("#!/bin/sh\necho 'PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.'\n"
                               "echo 'ping: connect: Network is unreachable' >&2\nexit 2\n")
    (fake / "ping").chmod(0o755)
    res = fast_ping("1", "1", "10.0.0.1", path=f"{fake}:{os.environ['PATH']}")
    assert res.returncode == 2
    assert res.stderr == "ping: connect: Network is unreachable\n"
    assert res.stdout.startswith("PING 10.0.0.1")
