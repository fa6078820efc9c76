"""Process and network-namespace helpers.

Everything the lab runs goes through these functions so that (a) commands are
argv lists (never a shell), (b) every long-lived process is started in a
namespace the lab created and its PID is recorded, and (c) teardown can kill
exactly those PIDs and nothing else.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
TYPE_CHECKING = False  # typing itself is not imported: the stand-in imports this on every call
if TYPE_CHECKING:
    from typing import Mapping, Sequence


class LabError(RuntimeError):
    """A lab operation failed; the message says what and why."""


def run(argv: Sequence[str], *, check: bool = True, timeout: float = 30,
        env: Mapping[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run argv (no shell), capture text output; raise LabError with stderr on failure."""
    try:
        cp = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                            env=None if env is None else dict(env), input=input)
    except FileNotFoundError as e:
        raise LabError(f"missing tool: {argv[0]}") from e
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if check and cp.returncode != 0:
        raise LabError(f"{' '.join(argv)} -> rc {cp.returncode}: {cp.stderr.strip() or cp.stdout.strip()}")
    return cp


def new_ns(ns: str) -> None:
    """A new namespace: IPv6 off (the lab is IPv4, like Multipass's bridges), loopback up."""
    run(["ip", "netns", "add", ns])
    nsx(ns, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
    run(["ip", "-n", ns, "link", "set", "lo", "up"])


def nsx(ns: str, argv: Sequence[str], **kw) -> subprocess.CompletedProcess[str]:
    """Run argv inside namespace ns (`ip netns exec` execs in place)."""
    return run(["ip", "netns", "exec", ns, *argv], **kw)


def ns_list() -> list[str]:
    """Names of all named network namespaces."""
    out = run(["ip", "-j", "netns", "list"], check=False).stdout.strip()
    if not out:
        return []
    return [e["name"] for e in json.loads(out)]


def ns_pids(ns: str) -> list[int]:
    """PIDs of processes living in namespace ns."""
    cp = run(["ip", "netns", "pids", ns], check=False)
    return [int(p) for p in cp.stdout.split() if p.isdigit()]


def pid_alive(pid: int | None) -> bool:
    """True if pid exists and is not a zombie (PID 1 here reaps orphans slowly)."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_pid(pid: int | None, timeout: float = 1.0) -> None:
    """SIGTERM a recorded pid, then SIGKILL if it lingers; reap it if it is our child."""
    if not pid or not pid_alive(pid):
        _reap(pid)
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            _reap(pid)
            if not pid_alive(pid):
                return
            time.sleep(0.01)


def _reap(pid: int | None) -> None:
    """Collect pid's exit status if it is our child, so it does not linger as a zombie."""
    if not pid:
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def spawn(ns: str, argv: Sequence[str], log: Path,
          env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """Start a long-lived process in ns, detached from our session, output to log.

    `ip netns exec` execs in place, so Popen.pid is the daemon's own pid.
    """
    full = ["ip", "netns", "exec", ns, *argv]
    with open(log, "ab") as out:
        return subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env=None if env is None else dict(env))


def wait_for(pred, timeout: float, step: float = 0.01) -> bool:
    """Poll pred() until true or timeout; returns the last result."""
    end = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(step)
