"""A remote host as a probe source, through OpenSSH (the testinfra way): no agent, no protocol of ours.

`pytest --hosts ssh://user@host[:port],...` (fixtures/hosts.py) gives each host an
:class:`SshSource`: every probe's argv runs as `ssh -o BatchMode=yes -o ConnectTimeout=N
[-F CONFIG] -p PORT -- user@host <argv quoted for the remote POSIX shell>` (BatchMode: it
never prompts), PowerShell probes on Windows hosts as `powershell -NoProfile
-EncodedCommand <base64 UTF-16LE>` (nothing is re-parsed by cmd.exe), root-only probes
through `sudo -n` unless the remote user is root. The remote platform is detected by a
first command (`uname -s; id -u; uname -n; id -un`, else a PowerShell probe), never assumed;
the same answers name the host and the user, which the run's redactor is told. Python-call
probes (psutil, dnspython...) run their command form (mpdiag.remote) and give the same
JSON value. ssh's own failure (exit 255: refused, timeout, authentication) is a ProbeError
in ssh's words, and the host is then not contacted again.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import Callable, Sequence

from mpdiag import runner
from mpdiag.errors import ParseError, ProbeError
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
    """The local argv running one remote command string (already quoted for the remote shell).
    `--` ends ssh's options: the destination (validated) can never be read as one."""
    return ["ssh", "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(connect_timeout))}",
            "-o", "LogLevel=ERROR", "-T", "-p", str(target.port), *options, "--", target.destination,
            remote_command]


def posix_command(argv: Sequence[str]) -> str:
    """An argv as one string for the remote POSIX shell: every word quoted."""
    return " ".join(shlex.quote(str(a)) for a in argv)


# Windows PowerShell writes progress records (module loading, downloads) to a redirected
# stderr as `#< CLIXML` documents: silenced, so a probe's stderr holds only its own words
PS_PRELUDE = "$ProgressPreference = 'SilentlyContinue'; "


def encoded_powershell(script: str) -> str:
    """`powershell -NoProfile -EncodedCommand <base64 of UTF-16LE>`: the script crosses ssh and
    cmd.exe as one base64 word, so nothing in it is ever re-parsed by a shell."""
    b64 = base64.b64encode((PS_PRELUDE + script).encode("utf-16-le")).decode("ascii")
    return f"powershell -NoProfile -NonInteractive -EncodedCommand {b64}"


def remote_command(argv: Sequence[str], platform: str) -> str:
    """A probe's argv as the remote command: PowerShell probes encoded on Windows, else quoted."""
    argv = [str(a) for a in argv]
    if platform == "windows":
        if tuple(argv[:4]) == POWERSHELL_PREFIX and len(argv) == 5:
            return encoded_powershell(argv[4])
        return encoded_powershell("& " + " ".join("'" + a.replace("'", "''") + "'" for a in argv))
    return posix_command(argv)


CONTACT_COMMAND = "uname -s; id -u; uname -n; id -un"  # platform, uid (0: root), host name, user
# `Microsoft Windows NT 10.0.22631.0`, then the host name and the user
PLATFORM_SCRIPT = "[Environment]::OSVersion.VersionString; $env:COMPUTERNAME; $env:USERNAME"
_SSH_FAILURE = re.compile(r"^(ssh: |.*Permission denied \(|Host key verification failed|Connection (timed out|closed|"
                          r"reset|refused)|kex_exchange_identification|.*banner exchange|.*No route to host|"
                          r"Too many authentication failures|Bad owner or permissions|.*: Name or service not known)",
                          re.M)


def ssh_failure(res: CommandResult) -> str | None:
    """ssh's own words when ssh itself failed (exit 255 and one of its messages), else None."""
    if res.rc != 255:
        return None
    lines = [line for line in res.error_text.splitlines() if line.strip()]
    said = [line for line in lines if _SSH_FAILURE.match(line)]
    return said[-1].strip() if said else None  # 255 with other words: the remote command's own exit


def unreachable(target: SshTarget, failed: str, connect_timeout: float) -> str:
    """The one line an unreachable host gets; a timeout says which one it ran into."""
    line = f"{target.label} is unreachable over ssh: {failed}"
    if "timed out" in failed:
        line += f" (no answer within the {max(1, int(connect_timeout))} s connect timeout)"
    return line


def _uname(res: CommandResult) -> str:
    """The first line `uname -s` printed (lower case), '' when it did not run."""
    if res.rc != 0 or res.timed_out:
        return ""
    lines = res.text.strip().splitlines()
    return lines[0].strip().lower() if lines else ""


def ask_powershell(uname: CommandResult) -> bool:
    """Whether the PowerShell probe must say what the host is: no uname (cmd.exe or PowerShell
    as the default shell), or Git Bash / MSYS2 / Cygwin's uname on a Windows host."""
    return _uname(uname) == "" or _uname(uname).startswith(("mingw", "msys", "cygwin"))


def platform_of(uname: CommandResult, windows: CommandResult | None) -> str | None:
    """The remote platform from `uname -s` (Darwin, Linux) or, failing that, the PowerShell probe."""
    found = {"darwin": "macos", "linux": "linux"}.get(_uname(uname))
    if found:
        return found
    if windows is not None and windows.rc == 0 and "windows" in windows.text.lower():
        return "windows"
    return None


@dataclass(frozen=True)
class RemoteHost:
    """What the first contact told: the platform, whether the remote user is root, and the
    host's own name and the user's (for redaction: they are not this machine's)."""

    platform: str
    root: bool = False
    hostname: str | None = None
    user: str | None = None


def _line(lines: list[str], i: int) -> str | None:
    return lines[i].strip() or None if len(lines) > i else None


Run = Callable[..., CommandResult]


def detect(target: SshTarget, timeout: float, options: Sequence[str] = (), run: Run = runner.run) -> RemoteHost:
    """The first command on a remote host; ProbeError (one line, ssh's words) when it is
    unreachable or its platform is unknown."""
    uname = run(ssh_argv(target, CONTACT_COMMAND, timeout, options), timeout + 2)
    failed = ssh_failure(uname) or ("ssh timed out" if uname.timed_out else None)
    if failed:
        raise ProbeError(unreachable(target, failed, timeout))
    windows = None
    if ask_powershell(uname):
        windows = run(ssh_argv(target, encoded_powershell(PLATFORM_SCRIPT), timeout, options), timeout + 2)
    found = platform_of(uname, windows)
    if found is None:
        said = (uname.text.strip().splitlines() or [""])[0] if uname.rc == 0 else uname.error_text.strip()
        raise ProbeError(f"{target.label}: cannot tell its platform (uname -s: {said[:80]!r})")
    if found == "windows":
        lines = windows.text.splitlines() if windows is not None else []
        return RemoteHost(found, False, _line(lines, 1), _line(lines, 2))
    lines = uname.text.splitlines()
    return RemoteHost(found, _line(lines, 1) == "0", _line(lines, 2), _line(lines, 3))


class SshSource:
    """Runs every probe on one remote host over ssh (see the module docstring)."""

    mode = "live"

    def __init__(self, target: SshTarget, remote: RemoteHost, connect_timeout: float = 5.0,
                 options: Sequence[str] = (), output_cap: int = runner.DEFAULT_OUTPUT_CAP) -> None:
        self.target = target
        self.remote = remote
        self.connect_timeout = connect_timeout
        self.options = tuple(options)
        self.output_cap = output_cap
        self.failure: str | None = None  # ssh's words once it failed: the host is not asked again
        self.master_pid: int | None = None
        self._control: str | None = None
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return self.target.label

    def argv(self, probe, ctx) -> list[str]:
        """The probe's argv as the remote host runs it (sudo and `multipass exec` wrapped)."""
        from mpdiag.multipass import exec_argv
        from mpdiag.probes import render_argv

        template = probe.command(ctx) if callable(probe.command) else probe.command
        argv = render_argv(template or (), ctx.params)
        if probe.privileged and not probe.instance and not self.remote.root and self.remote.platform != "windows":
            argv = ["sudo", "-n", *argv]
        if probe.instance:
            argv = exec_argv(ctx.instance or "", argv)
        return argv

    def open(self) -> None:
        """One authenticated connection every probe rides on (OpenSSH multiplexing, as Ansible and
        testinfra use it): a probe then costs a channel, not a handshake. Without it (Windows'
        client has no ControlMaster, or the master did not start) each probe connects itself."""
        with self._lock:
            if self._control is not None or os.name == "nt":
                return
            self._control = tempfile.mkdtemp(prefix="mpdiag-ssh-")
            path = os.path.join(self._control, "%C")
            start = ["-o", "ControlMaster=yes", "-o", f"ControlPath={path}", "-o", "ControlPersist=30", "-N", "-f"]
            try:
                done = subprocess.run(ssh_argv(self.target, "", self.connect_timeout, (*start, *self.options))[:-1],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      timeout=self.connect_timeout + 10)
            except (OSError, subprocess.TimeoutExpired):
                return  # each probe connects itself and says what is wrong
            if done.returncode != 0:
                return
            check = subprocess.run(["ssh", "-o", f"ControlPath={path}", "-O", "check", "--", self.target.destination],
                                   stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
            m = re.search(r"pid=(\d+)", check.stderr + check.stdout)
            self.master_pid = int(m[1]) if m else None
            self.options = ("-o", "ControlMaster=no", "-o", f"ControlPath={path}", *self.options)

    def close(self) -> None:
        """Stop the master connection (by its PID) and remove its socket directory."""
        with self._lock:
            if self.master_pid is not None:
                try:
                    os.kill(self.master_pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                self.master_pid = None
            if self._control is not None:
                shutil.rmtree(self._control, ignore_errors=True)

    def run(self, argv: Sequence[str], timeout: float) -> CommandResult:
        """One remote argv over ssh; ProbeError in ssh's words when ssh itself failed."""
        if self.failure:
            raise ProbeError(self.failure)
        self.open()
        cmd = remote_command(argv, self.remote.platform)
        res = runner.run(ssh_argv(self.target, cmd, self.connect_timeout, self.options),
                         timeout + self.connect_timeout, output_cap=self.output_cap)
        failed = ssh_failure(res)
        if failed:
            self.failure = unreachable(self.target, failed, self.connect_timeout)
            raise ProbeError(self.failure)
        return res

    def fetch(self, probe, ctx) -> CommandResult:
        if probe.call is None:
            return self.run(self.argv(probe, ctx), ctx.timeout)
        from mpdiag import remote

        form = remote.form(probe.name, self.remote.platform)
        res = self.run(list(form.argv(ctx)), ctx.timeout)
        rcs = remote.DATA_RCS.get(probe.name, frozenset({0}))
        if res.timed_out or res.truncated or (rcs is not None and res.rc not in rcs):
            return res  # the probe layer says what went wrong, with the remote command's words
        try:
            value = form.convert(res, ctx)
        except ParseError as exc:
            return CommandResult(res.argv, 1, res.stdout, f"{probe.name}: {exc}".encode(), res.duration)
        out = json.dumps(value, sort_keys=True).encode()
        return CommandResult(res.argv, 0, out, res.stderr, res.duration)
