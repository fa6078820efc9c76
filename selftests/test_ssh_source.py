"""Remote hosts over OpenSSH (mpdiag/ssh.py): targets, argv, quoting, platform, ssh's own failures.
The whole path against real sshd servers is the lab's (selftests/lab/test_ssh_hosts.py)."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from mpdiag.errors import ProbeError
from mpdiag.runner import CommandResult
from mpdiag.ssh import (PS_PRELUDE, SshTarget, detect, encoded_powershell, parse_target, parse_targets,
                        platform_of, posix_command, remote_command, ssh_argv, ssh_failure)


def test_targets():
    assert parse_target("ssh://alice@mac-1.lab:2222") == SshTarget("alice", "mac-1.lab", 2222)
    assert parse_target("ssh://10.0.0.5") == SshTarget(None, "10.0.0.5", 22)
    assert parse_targets("ssh://a@h1, ssh://a@h1,ssh://b@h2:23") == [SshTarget("a", "h1"), SshTarget("b", "h2", 23)]
    for bad, why in (("h1", "not an ssh://"), ("ssh://-oProxyCommand=x", "not a host"),
                     ("ssh://a b@h", "not a user"), ("ssh://h:70000", "out of range"), ("ssh://h;rm", "host")):
        with pytest.raises(ValueError, match=why):
            parse_target(bad)


def test_ssh_argv_never_prompts_and_ends_options():
    argv = ssh_argv(SshTarget("u", "h", 2200), "uname -s", 5, ("-F", "cfg"))
    assert argv[:5] == ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5"]
    assert argv[-3:] == ["--", "u@h", "uname -s"] and "-p" in argv and "2200" in argv
    assert argv.index("-F") < argv.index("--")


def test_posix_quoting_survives_the_remote_shell():
    argv = ["printf", "%s\\n", "a b", "$(id)", "'q'", "x;y", "*", ""]
    out = subprocess.run(["sh", "-c", posix_command(argv)], capture_output=True, text=True).stdout
    assert out.split("\n")[:-1] == argv[2:]


def test_powershell_goes_encoded():
    cmd = remote_command(["powershell", "-NoProfile", "-NonInteractive", "-Command", "Get-VMSwitch | ConvertTo-Json"],
                         "windows")
    head, b64 = cmd.rsplit(" ", 1)
    assert head == "powershell -NoProfile -NonInteractive -EncodedCommand"
    assert base64.b64decode(b64).decode("utf-16-le") == PS_PRELUDE + "Get-VMSwitch | ConvertTo-Json"
    other = remote_command(["cmd", "/d", "/c", "type x's"], "windows")
    assert base64.b64decode(other.rsplit(" ", 1)[1]).decode("utf-16-le") == \
        PS_PRELUDE + "& 'cmd' '/d' '/c' 'type x''s'"
    assert encoded_powershell("é").endswith(base64.b64encode((PS_PRELUDE + "é").encode("utf-16-le")).decode())


def _res(rc, out=b"", err=b""):
    return CommandResult(("ssh",), rc, out, err)


def test_platform_detected_not_assumed():
    assert platform_of(_res(0, b"Darwin\n"), None) == "macos"
    assert platform_of(_res(0, b"Linux\n"), None) == "linux"
    assert platform_of(_res(1, b"", b"'uname' is not recognized"), _res(0, b"Microsoft Windows NT 10.0.22631.0\r\n")) \
        == "windows"
    assert platform_of(_res(0, b"Linux\n0\n"), None) == "linux"  # `uname -s; id -u`
    assert platform_of(_res(0, b"SunOS\n"), None) is None


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client")
def test_unreachable_host_is_one_clear_error():
    """Real ssh to a closed loopback port: refused, ssh's exit 255, one line naming the host."""
    with pytest.raises(ProbeError, match=r"127\.0\.0\.1:1 is unreachable over ssh: ssh: connect to host "
                                         r"127\.0\.0\.1 port 1: Connection refused"):
        detect(SshTarget(None, "127.0.0.1", 1), 3)


def test_ssh_failures_are_told_from_the_remote_commands_exit_255():
    for words in ("ssh: connect to host 10.0.0.9 port 22: Connection timed out",
                  "root@10.0.0.9: Permission denied (publickey).", "Host key verification failed.",
                  "ssh: Could not resolve hostname mac-1.lab: Name or service not known",
                  "kex_exchange_identification: read: Connection reset by peer"):
        assert ssh_failure(_res(255, b"", words.encode() + b"\n")) == words
    assert ssh_failure(_res(255, b"", b"exec failed: instance primary is not running\n")) is None
    assert ssh_failure(_res(1, b"", b"ssh: connect to host x port 22: Connection refused")) is None


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client")
def test_a_host_that_fails_mid_run_is_not_asked_again(monkeypatch):
    """ssh's own failure on a probe: a ProbeError in ssh's words, kept; later probes (a
    Python-call probe's command form too) fail with it at once, no ssh started again."""
    from mpdiag import runner
    from mpdiag.probes import ProbeSession
    from mpdiag.ssh import RemoteHost, SshSource

    source = SshSource(SshTarget("nobody", "127.0.0.1", 1), RemoteHost("linux"), connect_timeout=3)
    session = ProbeSession(source, "linux", 5)
    try:
        with pytest.raises(ProbeError, match="Connection refused"):
            session.get("host_ip_addr")
        assert source.failure and "nobody@127.0.0.1:1 is unreachable over ssh" in source.failure
        assert source.master_pid is None  # the master could not start either

        def not_again(*args, **kwargs):
            raise AssertionError(f"ssh started again: {args[0]}")

        monkeypatch.setattr(runner, "run", not_again)
        with pytest.raises(ProbeError, match="Connection refused"):
            session.get("processes")
    finally:
        source.close()
