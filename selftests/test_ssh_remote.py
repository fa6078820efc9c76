"""Command forms of the Python-call probes for remote hosts (mpdiag/remote.py): every Python
probe has one per platform it runs on, and each converter gives the value the call gives,
which the probe's own parser reads (outputs: selftests/data/remote/, see its README)."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from mpdiag import remote
from mpdiag.errors import ParseError, ProbeError
from mpdiag.parse.sockets import parse_listening_sockets
from mpdiag.probes import load_all
from mpdiag.runner import CommandResult
from mpdiag.ssh import PS_PRELUDE, RemoteHost, SshSource, SshTarget, remote_command

DATA = Path(__file__).parent / "data" / "remote"


def _res(text: str, rc: int = 0, err: str = "") -> CommandResult:
    return CommandResult(("ssh",), rc, text.encode(), err.encode())


def _ctx(instance=None, **params):
    return SimpleNamespace(params=params, instance=instance, timeout=5.0)


def test_every_python_probe_has_a_command_form_for_each_of_its_platforms():
    calls = {p.name: p for p in load_all().values() if p.call is not None}
    assert set(calls) == set(remote.FORMS), "a Python-call probe without a command form (or a stale form)"
    for name, probe in calls.items():
        assert set(probe.platforms) <= set(remote.FORMS[name]), (name, probe.platforms)


def test_a_platform_without_a_form_is_a_probe_error():
    with pytest.raises(ProbeError, match="listening_sockets .* no command form for a remote macos host"):
        remote.form("listening_sockets", "macos")


def test_listening_sockets_from_ss_as_root():
    value = remote.sockets_from_ss(_res((DATA / "ss_root.txt").read_text()))
    assert value["root"] is True
    socks = {(s.proto, s.address): s for s in parse_listening_sockets(json.dumps(value))}
    dns = socks[("udp", "10.97.23.1:53")]
    assert (dns.pid, dns.name) == (3341, "dnsmasq") and "--interface=mpqemubr0" in dns.cmdline
    assert socks[("udp", "0.0.0.0:67")].name == "dnsmasq"  # `0.0.0.0%mpqemubr0:67`: the device is cut
    assert socks[("udp", "[::]:5353")].family == 6  # `*:5353`: a dual-stack wildcard, as psutil shows it
    assert socks[("tcp", "[::]:2222")].cmdline is None  # cmdlines only for the owners of 53 and 67
    assert socks[("udp", "[::]:67")].cmdline[0].endswith("python3")


def test_listening_sockets_without_root_hide_the_owners():
    value = remote.sockets_from_ss(_res((DATA / "ss_nobody.txt").read_text()))
    assert value["root"] is False
    assert value["sockets"] and all(s["pid"] is None and s["name"] is None for s in value["sockets"])


def test_listening_sockets_refuse_what_is_not_ss():
    with pytest.raises(ParseError, match="uid"):
        remote.sockets_from_ss(_res("Netid State\n"))
    with pytest.raises(ParseError, match="not an `ss -H -tulpn` line"):
        remote.sockets_from_ss(_res("uid 0\nsomething else entirely\n--cmdlines\n"))
    with pytest.raises(ParseError, match="not an IP"):
        remote.split_address("localhost:53")


def test_processes_linux_macos_windows():
    linux = remote.processes_linux(_res((DATA / "processes_linux.txt").read_text()))
    assert {"pid": 3341, "name": "dnsmasq", "exe": "/usr/sbin/dnsmasq"} in linux
    assert all(isinstance(p["pid"], int) and p["name"] for p in linux)
    mac = remote.processes_macos(_res((DATA / "processes_macos.txt").read_text()))
    assert {"pid": 412, "name": "multipassd",
            "exe": "/Library/Application Support/Canonical/Multipass/bin/multipassd"} in mac
    assert {"pid": 2210, "name": "-zsh", "exe": None} in mac
    win = remote.processes_windows(_res((DATA / "processes_windows.json").read_text()))
    assert {"pid": 1880, "name": "multipassd.exe", "exe": r"C:\Program Files\Multipass\bin\multipassd.exe"} in win
    assert {"pid": 4, "name": "System.exe", "exe": None} in win
    # a comm cut at 15 characters takes the executable's name, as psutil's name() does
    assert remote.processes_linux(_res("7\tdnscrypt-proxy-\t/usr/bin/dnscrypt-proxy-2\n")) == \
        [{"pid": 7, "name": "dnscrypt-proxy-2", "exe": "/usr/bin/dnscrypt-proxy-2"}]
    with pytest.raises(ParseError):
        remote.processes_linux(_res("not a table\n"))


def test_dns_gateway_from_dig_says_what_dnspython_says():
    ctx = _ctx(server="10.97.23.1", name="google.ie")
    ok = remote.dns_from_dig(_res((DATA / "dig_noerror.txt").read_text()), ctx)
    assert ok == {"server": "10.97.23.1", "name": "google.ie", "error": None, "rcode": "NOERROR",
                  "answers": ["198.51.100.80"]}
    refused = remote.dns_from_dig(_res((DATA / "dig_nxdomain.txt").read_text()), ctx)
    assert refused["rcode"] == "REFUSED" and refused["answers"] == []
    lost = remote.dns_from_dig(_res((DATA / "dig_timeout.txt").read_text(), rc=9), ctx)
    assert lost["error"] == "timeout" and lost["answers"] == []


def test_dns_params_are_checked_before_they_reach_a_command():
    assert remote.dig_argv(_ctx(server="10.97.23.1", name="google.ie")) == \
        ["dig", "+time=2", "+tries=1", "@10.97.23.1", "google.ie", "A"]
    with pytest.raises(ProbeError, match="not an IP"):
        remote.dig_argv(_ctx(server="-x", name="google.ie"))
    with pytest.raises(ProbeError, match="not a DNS name"):
        remote.resolve_dns_argv(_ctx(server="192.168.64.1", name="a'; Remove-Item x"))


def test_dns_gateway_from_resolve_dnsname():
    ctx = _ctx(server="172.17.0.1", name="google.ie")
    ok = remote.dns_from_resolve(_res('{"rcode":"NOERROR","answers":"142.250.180.3","error":null}'), ctx)
    assert ok["answers"] == ["142.250.180.3"] and ok["rcode"] == "NOERROR"
    nx = remote.dns_from_resolve(_res('{"rcode":null,"answers":[],"error":"DNS_ERROR_RCODE_NAME_ERROR,'
                                      'Microsoft.DnsClient.Commands.ResolveDnsName: google.ie : DNS name does '
                                      'not exist"}'), ctx)
    assert nx["rcode"] == "NXDOMAIN" and nx["error"] is None
    lost = remote.dns_from_resolve(_res('{"rcode":null,"answers":[],"error":"ERROR_TIMEOUT,Microsoft.DnsClient.'
                                        'Commands.ResolveDnsName: google.ie : This operation returned because '
                                        'the timeout period expired"}'), ctx)
    assert lost["error"] == "timeout"


def test_subnet_file_and_proxy_env_and_shell_session():
    assert remote.data_file_from_sh(_res("/d/network/multipass_subnet\nok\n10.97.23\n")) == \
        {"path": "/d/network/multipass_subnet", "content": "10.97.23\n", "error": None}
    assert remote.data_file_from_sh(_res("/d/network/multipass_subnet\nmissing\n"))["error"] == "missing"
    assert "permission" in remote.data_file_from_sh(_res("/p\ndenied\n"))["error"]
    with pytest.raises(ParseError):
        remote.data_file_from_sh(_res("garbage"))
    env = remote.proxy_env_from_lines(_res("HOME=/root\nhttps_proxy=http://u:secret@proxy:3128\nPATH=/bin\n"))
    assert set(env) == {"https_proxy"} and "secret" not in env["https_proxy"]
    assert remote.session_from_exec(_res("", rc=0), None)["reached_prompt"] is True
    assert remote.session_from_exec(_res("", rc=2, err="exec failed: instance is stopped"), None)["reached_prompt"] \
        is False


def test_the_linux_scripts_run_here_as_written():
    """The sh forms are real shell: they run (as whoever runs the selftests) and convert."""
    procs = subprocess.run(["sh", "-c", remote.LINUX_PROCESSES], capture_output=True, text=True, timeout=30)
    assert procs.returncode == 0 and procs.stderr == "", procs.stderr
    assert any(p["name"] for p in remote.processes_linux(_res(procs.stdout)))
    subnet = subprocess.run(["sh", "-c", remote.LINUX_SUBNET], capture_output=True, text=True, timeout=10,
                            env={"MPDIAG_MULTIPASS_DATA": "/nonexistent-mpdiag", "PATH": "/usr/bin:/bin"})
    assert remote.data_file_from_sh(_res(subnet.stdout)) == \
        {"path": "/nonexistent-mpdiag/network/multipass_subnet", "content": None, "error": "missing"}


def test_remote_argv_wraps_sudo_and_exec_as_the_remote_user_needs():
    probes = load_all()
    ctx = _ctx("primary")
    as_user = SshSource(SshTarget("u", "h"), RemoteHost("linux", root=False))
    as_root = SshSource(SshTarget("root", "h"), RemoteHost("linux", root=True))
    assert as_user.argv(probes["iptables_nft"], _ctx()) == ["sudo", "-n", "iptables-nft-save"]
    assert as_root.argv(probes["iptables_nft"], _ctx()) == ["iptables-nft-save"]
    assert as_user.argv(probes["ip_addr"], ctx)[:4] == ["multipass", "exec", "primary", "--"]


def test_windows_probes_cross_as_one_encoded_word():
    ps = remote.form("processes", "windows").argv(_ctx())
    cmd = remote_command(ps, "windows")
    assert base64.b64decode(cmd.rsplit(" ", 1)[1]).decode("utf-16-le") == PS_PRELUDE + remote.WINDOWS_PROCESSES


def test_host_markers_over_ssh_are_what_the_python_call_reads():
    """Run here, the sh form converts to exactly the call's value; a WSL host's .wslconfig
    comes through line by line; output that is not the form's is a ParseError."""
    from mpdiag.probes.linux_env import _host_markers

    here = subprocess.run(["sh", "-c", remote.LINUX_MARKERS], capture_output=True, text=True, timeout=10)
    assert here.returncode == 0, here.stderr
    assert remote.markers_from_sh(_res(here.stdout)) == _host_markers(None)
    wsl = ("wsl_interop=1\nwsl_distro=Ubuntu-24.04\nosrelease=5.15.167.4-microsoft-standard-WSL2\n"
           "dockerenv=0\ncontainerenv=0\ncap_bnd=000001ffffffffff\nkvm=0\n"
           "wslconfig=/mnt/c/Users/ana/.wslconfig\n|[wsl2]\n|networkingMode=mirrored\n")
    got = remote.markers_from_sh(_res(wsl))
    assert got["wsl_interop"] is True and got["wsl_distro"] == "Ubuntu-24.04" and got["kvm"] is False
    assert got["wslconfigs"] == [{"path": "/mnt/c/Users/ana/.wslconfig",
                                  "content": "[wsl2]\nnetworkingMode=mirrored\n"}]
    with pytest.raises(ParseError):
        remote.markers_from_sh(_res("Welcome to the machine\n"))
    with pytest.raises(ParseError):
        remote.markers_from_sh(_res("wsl_interop=0\n"))


def test_a_tool_missing_on_the_remote_host_is_named_as_the_remote_command():
    """Over ssh the result's argv is ssh's: a missing tool is still the remote command's, as
    root (the shell's 127) and through `sudo -n` (sudo's `command not found`, exit 1)."""
    from mpdiag.parse.unavailable import ToolMissing, tool_missing
    from mpdiag.ssh import posix_command, ssh_argv

    target = SshTarget("alice", "h")
    as_root = CommandResult(tuple(ssh_argv(target, posix_command(["ufw", "status", "verbose"]), 5)), 127, b"",
                            b"bash: line 1: ufw: command not found\n")
    assert tool_missing(as_root) == ToolMissing("ufw is not installed")
    argv = tuple(ssh_argv(target, posix_command(["sudo", "-n", "iptables-nft-save"]), 5))
    assert tool_missing(CommandResult(argv, 1, b"", b"sudo: iptables-nft-save: command not found\n")) == \
        ToolMissing("iptables-nft-save is not installed")
    assert tool_missing(CommandResult(argv, 1, b"", b"iptables-nft-save: permission denied\n")) is None


def test_a_remote_sudo_that_wants_a_password_says_what_to_do_there():
    """`sudo -v` on this machine does nothing for a remote host: connect as root or NOPASSWD."""
    from mpdiag.errors import NeedsPrivilege
    from mpdiag.ssh import posix_command, ssh_argv

    probe = load_all()["iptables_nft"]
    argv = tuple(ssh_argv(SshTarget("alice", "h"), posix_command(["sudo", "-n", "iptables-nft-save"]), 5))
    refused = CommandResult(argv, 1, b"", b"sudo: a password is required\n")
    with pytest.raises(NeedsPrivilege, match=r"root on the remote host .*\(ssh://root@\.\.\.\).* NOPASSWD"):
        probe.interpret(refused, 5)
