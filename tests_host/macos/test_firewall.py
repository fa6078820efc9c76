"""The guide's generic networking problems, Firewall: it must not block all incoming
connections, and it must let bootpd (the DHCP server) answer.

Internet Sharing may look disabled in System Settings and still run for the instances:
no check here reads or judges that setting."""

import pytest

BOOTPD = "/usr/libexec/bootpd"


def _state(check):
    """(enabled, block_all) from --getglobalstate (State = 2 is block-all) and --getblockall."""
    glob = check.probe("firewall_global")
    if glob.enabled is None:
        check.error(f"socketfilterfw --getglobalstate gave no state: {'; '.join(glob.errors) or 'no answer'}")
    block_all = glob.block_all
    if glob.enabled and block_all is None:
        block_all = check.probe("firewall_blockall").block_all
    return glob.enabled, block_all


@pytest.mark.check("macos.firewall.block_all")
def test_firewall_does_not_block_all(check, mac):
    mac.require_vmnet()
    enabled, block_all = _state(check)
    if not enabled:
        return
    if block_all is None:
        check.error("socketfilterfw --getblockall gave no block-all state")
    if block_all:
        check.fail("the application firewall is on with \"Block all incoming connections\": bootpd cannot answer "
                   "the instances' DHCP requests")


@pytest.mark.check("macos.firewall.bootpd_allowed")
def test_bootpd_allowed(check, mac):
    mac.require_vmnet()
    enabled, _ = _state(check)
    if not enabled:
        return
    verdict = check.optional("firewall_bootpd")
    if verdict is not None:
        if verdict.blocked:
            check.fail(f"the application firewall blocks incoming connections to {BOOTPD} "
                       "(socketfilterfw --getappblocked): instances get no DHCP lease")
        return
    apps = check.probe("firewall_apps")  # --getappblocked not recorded: the rule list tells too
    if apps.get(BOOTPD) is False:
        check.fail(f"socketfilterfw --listapps has {BOOTPD} with \"Block incoming connections\": instances get "
                   "no DHCP lease")
