"""Typed "no data" values: a probe's readers see the whole result (rc, stdout, stderr,
timed_out) and say absent / denied / tool missing, so no check decides an exit code; and
every parser is referenced by import (a "module:function" string is refused)."""

from __future__ import annotations

import pytest

from mpdiag.errors import NeedsPrivilege, ProbeError
from mpdiag.parse.unavailable import Absent, Denied, ToolMissing, exit_code, no_such_file, stderr_says, tool_missing
from mpdiag.probes import ALL_PLATFORMS, Probe, load_all
from mpdiag.runner import CommandResult

REGISTRY = load_all()


def _res(argv, rc, out=b"", err=b"", timed_out=False) -> CommandResult:
    return CommandResult(tuple(argv), rc, out, err, 0.1, timed_out=timed_out)


def test_every_parser_is_a_function_not_a_string():
    assert all(callable(p.parse) for p in REGISTRY.values())
    with pytest.raises(TypeError, match="parser function itself"):
        Probe("x", ALL_PLATFORMS, "mpdiag.parse.text:decode", ("true",))


def test_tool_missing_direct_and_through_sudo():
    assert isinstance(tool_missing(_res(["ufw"], 127)), ToolMissing)
    found = tool_missing(_res(["sudo", "-n", "ufw"], 1, err=b"sudo: ufw: command not found"))
    assert isinstance(found, ToolMissing) and found.why == "ufw is not installed"
    assert tool_missing(_res(["sudo", "-n", "ufw"], 1, err=b"sudo: command not found")) is None  # no sudo
    assert tool_missing(_res(["ufw"], 1, err=b"ERROR: You need to be root")) is None


def test_readers_by_file_exit_code_and_stderr():
    leases = no_such_file("/var/db/dhcpd_leases")
    assert leases(_res(["cat"], 1, err=b"cat: /var/db/dhcpd_leases: No such file or directory")) == \
        Absent("/var/db/dhcpd_leases does not exist")
    assert leases(_res(["cat"], 1, err=b"cat: /var/db/dhcpd_leases: Permission denied")) is None
    assert exit_code(3, Absent, "gone")(_res(["cmd"], 3)) == Absent("gone")
    assert exit_code(3, Absent, "gone")(_res(["cmd"], 1)) is None
    said = stderr_says(Denied, "Permission denied")(_res(["tail"], 1, err=b"tail: x: Permission denied\nmore"))
    assert isinstance(said, Denied) and said.why == "tail: x: Permission denied"
    assert stderr_says(Denied, "Permission denied")(_res(["tail"], 0, err=b"Permission denied")) is None


def test_unavailable_values_are_falsy_and_typed():
    assert not Absent("x") and not Denied("x") and not ToolMissing("x")
    assert Absent("x") != Denied("x") and str(Absent("why")) == "why"


@pytest.mark.parametrize("name, res, kind", [
    ("hosts_ics", _res(["cmd"], 3), Absent),
    ("bcdedit", _res(["bcdedit"], 1, err=b"The boot configuration data store could not be opened.\r\n"
                                        b"Access is denied."), Denied),
    ("iptables_nft", _res(["sudo", "-n", "iptables-nft-save"], 1, err=b"sudo: iptables-nft-save: command not found"),
     ToolMissing),
    ("iptables_legacy", _res(["iptables-legacy-save"], 1,
                             err=b"iptables-legacy-save: Failed to initialize nft: Protocol not supported"), Absent),
    ("multipassd_journal", _res(["journalctl"], 1, err=b"No journal files were found."), Absent),
    ("multipassd_journal", _res(["journalctl"], 127), ToolMissing),
    ("dhcpd_leases", _res(["cat"], 1, err=b"cat: /var/db/dhcpd_leases: No such file or directory"), Absent),
    ("multipassd_log", _res(["tail"], 1, err=b"tail: multipassd.log: Permission denied"), Denied),
    ("vmnet_plist", _res(["defaults"], 1, err=b"Domain /Library/.../com.apple.vmnet.plist does not exist"), Absent),
])
def test_a_probe_gives_the_typed_value_its_result_means(name, res, kind):
    assert isinstance(REGISTRY[name].interpret(res, 5), kind)


def test_timeouts_sudo_and_other_failures_stay_errors():
    probe = REGISTRY["dhcpd_leases"]
    with pytest.raises(ProbeError, match="timed out"):
        probe.interpret(_res(["cat"], -1, err=b"No such file", timed_out=True), 5)
    with pytest.raises(ProbeError, match="exit code 1"):
        probe.interpret(_res(["cat"], 1, err=b"cat: /var/db/dhcpd_leases: Is a directory"), 5)
    with pytest.raises(NeedsPrivilege):
        REGISTRY["ufw_status"].interpret(_res(["sudo", "-n", "ufw"], 1, err=b"sudo: a password is required"), 5)
    with pytest.raises(ProbeError, match="command not found"):
        REGISTRY["ifconfig"].interpret(_res(["ifconfig"], 127), 5)  # a tool every Mac has: error


def test_no_events_is_an_empty_list_no_source_is_absent():
    events = REGISTRY["multipass_events"]
    none = (b"Get-WinEvent : No events were found that match the specified selection criteria.\r\n"
            b"    + CategoryInfo          : ObjectNotFound: (:) [Get-WinEvent], Exception\r\n"
            b"    + FullyQualifiedErrorId : NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand\r\n")
    assert events.interpret(_res(["powershell"], 1, err=none), 5) == []
    nosource = (b"Get-WinEvent : There is not an event provider on the localhost computer that matches \"Multipass\".\r\n"
                b"    + CategoryInfo          : ObjectNotFound: (Multipass:String) [Get-WinEvent], Exception\r\n"
                b"    + FullyQualifiedErrorId : NoMatchingProvidersFound,Microsoft.PowerShell.Commands.GetWinEventCommand\r\n")
    assert isinstance(events.interpret(_res(["powershell"], 1, err=nosource), 5), Absent)


def test_a_multipass_cli_failure_is_typed_with_the_daemons_words():
    """`multipass list` failing, timing out or missing: CliFailed says which, so the listing fact,
    the image-server and launch checks read its fields and never an exit code."""
    from mpdiag.errors import CliFailed

    listing = REGISTRY["multipass_list"]
    with pytest.raises(CliFailed) as failed:
        listing.interpret(_res(["multipass", "list", "--format", "json"], 2, err=b"list failed: IP not available\n"), 5)
    exc = failed.value
    assert (exc.rc, exc.verb, exc.said, exc.words, exc.timed_out, exc.missing) == \
        (2, "list", "IP not available", "list failed: IP not available", False, False)
    assert "failed with exit code 2" in str(exc)  # the same message as any failed probe
    with pytest.raises(CliFailed) as failed:
        listing.interpret(_res(["multipass", "list"], -1, timed_out=True), 5)
    assert failed.value.timed_out and not failed.value.missing and "timed out after 5 s" in str(failed.value)
    with pytest.raises(CliFailed) as failed:
        REGISTRY["multipass_version"].interpret(_res(["multipass", "version"], 127, err=b"multipass: not found"), 5)
    assert failed.value.missing and failed.value.verb is None
    with pytest.raises(CliFailed) as failed:
        REGISTRY["multipass_find"].interpret(_res(["multipass", "find"], 1, out=b"  odd words \n"), 5)
    assert failed.value.verb is None and failed.value.said == "odd words"
    assert REGISTRY["multipass_launch"].cli and not REGISTRY["ping_gateway"].cli
    with pytest.raises(ProbeError) as plain:  # other probes keep the untyped error
        REGISTRY["dhcpd_leases"].interpret(_res(["cat"], 1, err=b"cat: x: Is a directory"), 5)
    assert not isinstance(plain.value, CliFailed)


def test_an_empty_capture_is_absent_with_the_captures_words():
    capture = REGISTRY["dhcp_capture"]
    assert capture.interpret(_res(["tcpdump"], 3, err=b"tcpdump is not installed"), 5) == \
        Absent("tcpdump is not installed")
    assert capture.interpret(_res(["tcpdump"], 1), 5) == Absent("tcpdump exited 1 without writing one")


def test_the_users_ping_keeps_the_words_bsd_ping_writes_to_stderr():
    ping = REGISTRY["ping_instance_user"]
    out = (b"PING 192.168.64.2 (192.168.64.2): 56 data bytes\n\n--- 192.168.64.2 ping statistics ---\n"
           b"1 packets transmitted, 0 packets received, 100.0% packet loss\n")
    said = ping.interpret(_res(["ping"], 2, out=out, err=b"ping: sendto: No route to host\n"), 5)
    assert (said.transmitted, said.received) == (1, 0) and "No route to host" in said.error
    quiet = ping.interpret(_res(["ping"], 2, out=out), 5)
    assert quiet.error is None and not quiet.ok
    with pytest.raises(ProbeError, match="exit code 64"):  # a usage error is no ping result
        ping.interpret(_res(["ping"], 64, err=b"usage: ping ..."), 5)


def test_a_link_carries_its_mtu():
    from mpdiag.parse.iproute import parse_ip_addr

    links = parse_ip_addr('[{"ifname": "ens3", "flags": ["UP"], "mtu": 1500, "addr_info": []},'
                          ' {"ifname": "x", "flags": [], "mtu": true, "addr_info": []}]')
    assert links["ens3"].mtu == 1500 and links["x"].mtu is None
