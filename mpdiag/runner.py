"""Run one argv (never a shell string) with a timeout, and say what happened.

A runner never raises for a failing command: the result carries rc, output and
whether the timeout fired, so the probe layer decides what counts as data.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Sequence

from mpdiag.parse.text import decode

SUDO_PASSWORD_MARKERS = (
    "a password is required",
    "a terminal is required",
    "no tty present",
    "sudo: unable to",
)


@dataclass(frozen=True)
class CommandResult:
    """What one probe execution produced, byte for byte."""

    argv: tuple[str, ...]
    rc: int
    stdout: bytes
    stderr: bytes = b""
    duration: float = 0.0
    timed_out: bool = False
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def text(self) -> str:
        """stdout decoded the robust way (BOM, UTF-16, CRLF)."""
        return decode(self.stdout)

    @property
    def error_text(self) -> str:
        return decode(self.stderr).strip()

    @property
    def sudo_refused(self) -> bool:
        """sudo -n could not run the command without a password."""
        err = self.error_text.lower()
        return self.rc != 0 and err.startswith("sudo") and any(m in err for m in SUDO_PASSWORD_MARKERS)


def privileged(argv: Sequence[str]) -> list[str]:
    """The argv of a root-only command: as is when root, else through `sudo -n` (never a prompt)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return list(argv)
    if os.name == "nt":  # Administrator rights cannot be gained from a child process
        return list(argv)
    return ["sudo", "-n", *argv]


def run(argv: Sequence[str], timeout: float, stdin: bytes | None = None,
        env: dict[str, str] | None = None) -> CommandResult:
    """Run argv with a hard timeout; on timeout the whole process group is killed."""
    argv = tuple(argv)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name != "nt",
            env=env,
        )
    except FileNotFoundError:
        return CommandResult(argv, 127, b"", f"{argv[0]}: command not found".encode(), 0.0)
    except PermissionError as exc:
        return CommandResult(argv, 126, b"", f"{argv[0]}: {exc.strerror}".encode(), 0.0)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, err = proc.communicate()
        timed_out = True
    except BaseException:  # Ctrl-C, or a SIGTERM turned into an exception: no orphan is left
        _kill(proc)
        try:
            proc.communicate(timeout=5)
        except Exception:  # noqa: BLE001 - best effort while unwinding
            pass
        raise
    return CommandResult(argv, proc.returncode, out, err, time.monotonic() - start, timed_out)


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name != "nt":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
