"""DHCP on the vmnet bridge: bootpd (started on demand by launchd) holds UDP 67, nothing
else does, and the leases file Multipass up to 1.14.0 reads exists."""

import pytest

from mpdiag.host.rules import macos as facts
from mpdiag.parse.unavailable import Absent


def _holders(check, mac):
    mac.require_vmnet()
    return facts.port67_holders(check.probe("lsof_udp67"))


@pytest.mark.check("macos.dhcp.bootpd_listening")
def test_bootpd_listening(check, mac):
    ok, others = _holders(check, mac)
    if ok:
        return
    if not others and not mac.active():
        check.skip("nothing holds UDP 67 and no instance runs: launchd opens the DHCP port while Internet Sharing "
                   "serves an instance; start one and run again")
    held = facts.describe_all(others) or "nothing"
    check.fail(f"neither launchd nor bootpd holds UDP 67 (`sudo lsof -iUDP:67 -n -P` shows {held}): no DHCP "
               "server answers the instances")


@pytest.mark.check("macos.dhcp.port67_exclusive")
def test_port67_exclusive(check, mac):
    _, others = _holders(check, mac)
    if others:
        first = others[0]
        check.fail("another DHCP server holds UDP 67: " + facts.describe_all(others)
                   + " (only launchd and bootpd may)", pid=first.pid, process=first.command)


@pytest.mark.check("macos.dhcp.leases_file_present")
def test_leases_file_present(check, mac):
    mac.require_vmnet()
    instances = mac.instances()
    if not instances:
        check.skip("no instance exists: bootpd writes /var/db/dhcpd_leases when it hands out the first lease")
    leases = check.probe("dhcpd_leases")  # why it could not be read, if not absent: error
    if not isinstance(leases, Absent):
        return
    version = mac.version()
    shown = version.daemon or version.client
    if version.number is not None and version.number >= (1, 14, 1):
        check.skip(f"/var/db/dhcpd_leases is absent, but Multipass {shown} finds instance addresses with "
                   "`arp -an`: the file is not needed")
    name = instances[0].name
    check.fail(f"/var/db/dhcpd_leases does not exist while {len(instances)} instance(s) exist and Multipass "
               f"{shown} reads addresses from it (`Cannot open dhcpd_leases file`)", instance=name)
