"""macOS and Windows hosts over ssh, without such machines (none can run here; the lab's
remote hosts are Linux): the platform is detected from what each kind of host answers to
the first contact, and every probe registered for macOS or Windows crosses to the remote
shell as its exact argv (macOS: POSIX words through sh and bash, as zsh reads them too;
Windows: one `powershell -NoProfile -NonInteractive -EncodedCommand` word of UTF-16LE
base64, within cmd.exe's 8191-character command line, the default shell of Windows'
OpenSSH server). The answers are the tools' own words: `uname -s; id -u` on Linux and
macOS, cmd.exe's and PowerShell's "not recognized" errors, Git Bash's `MINGW64_NT-...`,
and `[Environment]::OSVersion.VersionString`."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import pytest

from mpdiag import remote
from mpdiag.errors import NotRecorded, ProbeError
from mpdiag.probes import ProbeContext, ProbeSession, load_all
from mpdiag.runner import CommandResult
from mpdiag.ssh import (CONTACT_COMMAND, PLATFORM_SCRIPT, POWERSHELL_PREFIX, PS_PRELUDE, RemoteHost, SshSource, SshTarget, detect,
                        remote_command, ssh_argv)

CMD_EXE_LIMIT = 8191  # the longest command line cmd.exe runs
CMD_NOT_FOUND = (b"'uname' is not recognized as an internal or external command,\r\n"
                 b"operable program or batch file.\r\n")
PS_NOT_FOUND = (b"uname : The term 'uname' is not recognized as the name of a cmdlet, function, script file, or "
                b"operable program. Check the spelling of the name, or if a path was included, verify that the "
                b"path is correct and try again.\r\nAt line:1 char:1\r\n+ uname -s; id -u; uname -n; id -un\r\n"
                b"+ ~~~~~\r\n")
WINDOWS_11 = b"Microsoft Windows NT 10.0.22631.0\r\nDESKTOP-4F2K9Q1\r\nana\r\n"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
LITERAL_BRACES = {"current", "default", "bootmgr"}  # bcdedit's identifiers, not params


def _res(rc: int, out: bytes = b"", err: bytes = b"") -> CommandResult:
    return CommandResult(("ssh",), rc, out, err)


class Host:
    """A fake `run` answering the first contact as one kind of host would."""

    def __init__(self, uname: CommandResult, powershell: CommandResult | None = None) -> None:
        self.uname, self.powershell, self.asked = uname, powershell, []

    def __call__(self, argv, timeout, **kwargs) -> CommandResult:
        command = argv[-1]
        self.asked.append(command)
        if command == CONTACT_COMMAND:
            return self.uname
        head, b64 = command.rsplit(" ", 1)
        assert head == "powershell -NoProfile -NonInteractive -EncodedCommand", command
        assert base64.b64decode(b64).decode("utf-16-le") == PS_PRELUDE + PLATFORM_SCRIPT
        assert self.powershell is not None, "PowerShell asked where uname answered"
        return self.powershell


W, WIN = "windows", ("DESKTOP-4F2K9Q1", "ana")


@pytest.mark.parametrize("kind, host, expected", [
    ("linux as root", Host(_res(0, b"Linux\n0\nbuild-7\nroot\n")), RemoteHost("linux", True, "build-7", "root")),
    ("linux as a user", Host(_res(0, b"Linux\n1000\nci-runner-3\nana\n")),
     RemoteHost("linux", False, "ci-runner-3", "ana")),
    ("macos (zsh, an admin user)", Host(_res(0, b"Darwin\n501\nAnas-MacBook-Pro.local\nana\n")),
     RemoteHost("macos", False, "Anas-MacBook-Pro.local", "ana")),
    ("macos as root", Host(_res(0, b"Darwin\n0\nmac-1\nroot\n")), RemoteHost("macos", True, "mac-1", "root")),
    ("windows, cmd.exe the default shell", Host(_res(1, b"", CMD_NOT_FOUND), _res(0, WINDOWS_11)),
     RemoteHost(W, False, *WIN)),
    ("windows, cmd.exe's 9009 through ssh", Host(_res(9009 % 256, b"", CMD_NOT_FOUND), _res(0, WINDOWS_11)),
     RemoteHost(W, False, *WIN)),
    ("windows, PowerShell the default shell", Host(_res(1, b"", PS_NOT_FOUND), _res(0, WINDOWS_11)),
     RemoteHost(W, False, *WIN)),
    ("windows, Git Bash the default shell",
     Host(_res(0, b"MINGW64_NT-10.0-22631\n197609\nDESKTOP-4F2K9Q1\nana\n"), _res(0, WINDOWS_11)),
     RemoteHost(W, False, *WIN)),
    ("windows, an MSYS2 uname on PATH", Host(_res(0, b"MSYS_NT-10.0-19045\n0\nWS-12\nadmin\n"),
                                             _res(0, b"Microsoft Windows NT 10.0.19045.0\r\nWS-12\r\nadmin\r\n")),
     RemoteHost(W, False, "WS-12", "admin")),  # MSYS2's uid 0 is no root: Windows has no sudo here
    ("a Linux answer cut short", Host(_res(0, b"Linux\n0\n")), RemoteHost("linux", True)),
])
def test_the_platform_is_detected_from_each_kind_of_hosts_answers(kind, host, expected):
    found = detect(SshTarget("u", "h"), 5, run=host)
    assert found == expected, kind
    assert len(host.asked) == (1 if host.powershell is None else 2), host.asked  # PowerShell only when needed


@pytest.mark.parametrize("uname, powershell, words", [
    (_res(0, b"FreeBSD\n0\nbsd-1\nroot\n"), None, "cannot tell its platform (uname -s: 'FreeBSD')"),
    (_res(1, b"", CMD_NOT_FOUND), _res(1, b"", b"'powershell' is not recognized"), "cannot tell its platform"),
    (_res(0, b"CYGWIN_NT-10.0\n0\n"), _res(0, b"something else\r\n"), "cannot tell its platform"),
])
def test_an_unknown_platform_is_one_clear_error_not_a_guess(uname, powershell, words):
    with pytest.raises(ProbeError) as err:
        detect(SshTarget("u", "h"), 5, run=Host(uname, powershell))
    assert str(err.value).startswith("u@h: ") and words in str(err.value), str(err.value)


class NothingRecorded:
    mode = "replay"

    def fetch(self, probe, ctx):
        raise NotRecorded(f"{probe.name} is not recorded")


def _remote_argvs(platform: str) -> dict:
    """probe -> the argv a remote host of `platform` runs for it (shell-hostile sample params;
    a Python-call probe's command form)."""
    source = SshSource(SshTarget("admin", "h"), RemoteHost(platform, root=False))
    session = ProbeSession(NothingRecorded(), platform)
    out = {}
    for name, probe in sorted(load_all().items()):
        if platform not in probe.platforms:
            continue
        if probe.call is not None:
            params = {"server": "10.97.23.1", "name": "google.ie"} if name == "dns_gateway" else {}
            ctx = ProbeContext(session, params, "primary", 1.0)
            out[name] = list(remote.form(name, platform).argv(ctx))
            continue
        names = set()
        for arg in (() if callable(probe.command) else probe.command or ()):
            names |= set(PLACEHOLDER.findall(str(arg))) - LITERAL_BRACES
        ctx = ProbeContext(session, {n: f"<{n}> 'q' $(id) %PATH%" for n in names},
                           "primary" if probe.instance else None, 1.0)
        try:
            out[name] = source.argv(probe, ctx)
        except ProbeError as exc:  # the launch and its capture are not ordinary probes
            assert "not as an ordinary probe" in str(exc) or "runs only with" in str(exc), (name, exc)
    return out


MACOS = _remote_argvs("macos")
WINDOWS = _remote_argvs("windows")


def test_both_platforms_have_their_probes():
    assert len(MACOS) > 30 and len(WINDOWS) > 30
    assert {"processes", "dns_gateway", "shell_proxy_env"} <= set(MACOS) & set(WINDOWS)


@pytest.mark.parametrize("shell", [s for s in ("sh", "bash", "zsh") if shutil.which(s)])
def test_every_macos_probe_reaches_the_remote_shell_word_for_word(shell):
    """Each argv as its command string, read by a POSIX shell (macOS: zsh, or sh): printf gets
    exactly the argv's words back, quotes, `$(id)` and `%` untouched."""
    for name, argv in MACOS.items():
        command = remote_command(argv, "macos")
        done = subprocess.run([shell, "-c", "printf '%s\\0' " + command], capture_output=True, timeout=10)
        assert done.returncode == 0, (name, done.stderr)
        assert done.stdout.decode().split("\0")[:-1] == argv, (name, command)


def test_macos_root_probes_go_through_sudo_n_and_instance_probes_through_multipass_exec():
    probes = load_all()
    for name, argv in MACOS.items():
        probe = probes[name]
        if probe.call is None and probe.privileged and not probe.instance:
            assert argv[:2] == ["sudo", "-n"], (name, argv)
        if probe.instance:
            assert argv[:4] == ["multipass", "exec", "primary", "--"], (name, argv)
    assert any(probes[n].privileged for n in MACOS), "no root-only macOS probe: the sudo branch is untested"


def _decoded(command: str) -> str:
    head, b64 = command.rsplit(" ", 1)
    assert head == "powershell -NoProfile -NonInteractive -EncodedCommand", command
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*", b64), "one base64 word: nothing for cmd.exe to read"
    return base64.b64decode(b64).decode("utf-16-le")


def test_every_windows_probe_is_one_encoded_powershell_word_cmd_exe_can_run():
    """PowerShell probes: their script exactly; other commands: `& 'exe' 'arg'...` with each
    word single-quoted (a quote doubled); no sudo; each ssh command line fits cmd.exe."""
    for name, argv in WINDOWS.items():
        command = remote_command(argv, "windows")
        script = _decoded(command)
        if tuple(argv[:4]) == POWERSHELL_PREFIX and len(argv) == 5:
            assert script == PS_PRELUDE + argv[4], name
        else:
            assert script == PS_PRELUDE + "& " + " ".join("'" + a.replace("'", "''") + "'" for a in argv), name
        assert argv[0] != "sudo", name
        assert len(" ".join(ssh_argv(SshTarget("admin", "h"), command, 5)[-1:])) < CMD_EXE_LIMIT, (name, len(command))
    plain = {n for n, a in WINDOWS.items() if tuple(a[:4]) != POWERSHELL_PREFIX}
    assert plain and plain != set(WINDOWS), "both kinds (PowerShell and plain commands) are exercised"


def test_a_windows_argv_word_cannot_end_its_quotes():
    """A hostile param in a plain Windows command stays one PowerShell string literal."""
    script = _decoded(remote_command(["multipass", "info", "x'; Remove-Item C:\\ -Recurse; '"], "windows"))
    literals = re.findall(r"'((?:[^']|'')*)'", script[len(PS_PRELUDE):])
    assert [s.replace("''", "'") for s in literals] == ["multipass", "info", "x'; Remove-Item C:\\ -Recurse; '"]
