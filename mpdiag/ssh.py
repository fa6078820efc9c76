"""A remote host as a probe source, through OpenSSH (the testinfra way): no agent, no protocol of ours.

Groundwork for `pytest --hosts ssh://user@host[:port],...` (not wired into pytest yet):
the target syntax, the ssh argv (`BatchMode=yes` so it never prompts, a connect
timeout, the remote argv quoted for the remote POSIX shell with shlex.quote), PowerShell
for Windows hosts as `powershell -NoProfile -EncodedCommand <base64 UTF-16LE>` (no
quoting through cmd.exe at all), and the remote platform detected by a first probe
(`uname -s`, else `ver`), never assumed. Python-call probes (psutil, dnspython) have no
command form yet: on a remote host they are a ProbeError saying so, never data.
"""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass
from typing import Callable, Sequence

from mpdiag import runner
from mpdiag.errors import ProbeError
from mpdiag.runner import CommandResult

_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,31}$")
_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)*|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\])$")
POWERSHELL_PREFIX = ("powershell", "-NoProfile", "-NonInteractive", "-Command")


@dataclass(frozen=True)
class SshTarget:
    user: str | None
    host: str
    port: int = 22

    @property
    def label(self) -> str:
        return f"{self.user + '@' if self.user else ''}{self.host}" + (f":{self.port}" if self.port != 22 else "")

    @property
    def destination(self) -> str:
        host = self.host.strip("[]")
        return f"{self.user}@{host}" if self.user else host


def parse_target(text: str) -> SshTarget:
    """`ssh://[user@]host[:port]`; ValueError names what is wrong (nothing reaches ssh unchecked:
    a host starting with `-` would be an ssh option)."""
    if not text.startswith("ssh://"):
        raise ValueError(f"{text!r} is not an ssh://[user@]host[:port] address")
    rest = text[len("ssh://"):]
    user, _, hostport = rest.rpartition("@")
    m = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?", hostport)
    if m is None:
        raise ValueError(f"{text!r}: cannot read host[:port]")
    host, port = m.group(1), int(m.group(2) or 22)
    if user and not _USER.match(user):
        raise ValueError(f"{text!r}: {user!r} is not a user name")
    if not _HOST.match(host):
        raise ValueError(f"{text!r}: {host!r} is not a host name or address")
    if not 1 <= port <= 65535:
        raise ValueError(f"{text!r}: port {port} is out of range")
    return SshTarget(user or None, host, port)


def parse_targets(text: str) -> list[SshTarget]:
    """The `--hosts` value: comma-separated targets, each once."""
    out: list[SshTarget] = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            t = parse_target(part)
            if t not in out:
                out.append(t)
    if not out:
        raise ValueError("--hosts names no host")
    return out


def ssh_argv(target: SshTarget, remote_command: str, connect_timeout: float,
             options: Sequence[str] = ()) -> list[str]:
    """The local argv running one remote command string (already quoted for the remote shell)."""
    return ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(connect_timeout))}",
            "-p", str(target.port), *options, "--", target.destination, remote_command]


def posix_command(argv: Sequence[str]) -> str:
    """An argv as one string for the remote POSIX shell: every word quoted."""
    return " ".join(shlex.quote(str(a)) for a in argv)


def encoded_powershell(script: str) -> str:
    """`powershell -NoProfile -EncodedCommand <base64 of UTF-16LE>`: the script crosses ssh and
    cmd.exe as one base64 word, so nothing in it is ever re-parsed by a shell."""
    b64 = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    return f"powershell -NoProfile -NonInteractive -EncodedCommand {b64}"


def remote_command(argv: Sequence[str], platform: str) -> str:
    """A probe's argv as the remote command: PowerShell probes encoded on Windows, else quoted."""
    argv = [str(a) for a in argv]
    if platform == "windows":
        if tuple(argv[:4]) == POWERSHELL_PREFIX and len(argv) == 5:
            return encoded_powershell(argv[4])
        return encoded_powershell("& " + " ".join("'" + a.replace("'", "''") + "'" for a in argv))
    return posix_command(argv)


def platform_of(uname: CommandResult, ver: CommandResult | None) -> str | None:
    """The remote platform from `uname -s` (Darwin, Linux) or, failing that, `ver` (Windows)."""
    if uname.rc == 0 and not uname.timed_out:
        name = uname.text.strip().splitlines()[-1:] or [""]
        return {"darwin": "macos", "linux": "linux"}.get(name[0].strip().lower())
    if ver is not None and ver.rc == 0 and "windows" in ver.text.lower():
        return "windows"
    return None


Run = Callable[[Sequence[str], float], CommandResult]


def detect_platform(target: SshTarget, timeout: float, run: Run = runner.run) -> str:
    """The first probe of a remote host; ProbeError (one line) when it is unreachable or unknown."""
    uname = run(ssh_argv(target, "uname -s", timeout), timeout + 2)
    if uname.rc == 255:  # ssh's own failure: unreachable, refused, authentication
        raise ProbeError(f"{target.label} is unreachable over ssh: {uname.error_text.splitlines()[-1:] or ['?']}")
    ver = None if uname.rc == 0 else run(ssh_argv(target, "ver", timeout), timeout + 2)
    found = platform_of(uname, ver)
    if found is None:
        raise ProbeError(f"{target.label}: cannot tell its platform (uname -s: {uname.text.strip()[:80]!r})")
    return found
