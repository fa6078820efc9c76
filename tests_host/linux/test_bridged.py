"""Bridged networking and availability zones on this host (Multipass 1.14+ / main)."""

import pytest

from tests_host.bridged import platform_tests

test_bridged_setting_names_a_listed_network, test_zone_subnets_collide_with_nothing = platform_tests("linux")


@pytest.mark.check("linux.bridged.networkmanager")
def test_networkmanager_runs_where_bridging_is_configured(check):
    from mpdiag import host
    from mpdiag.host._networking import LINUX_BRIDGING_SINCE

    why = check.fact(host.bridging_in_use)  # skips when Multipass is not installed or does not answer
    number = check.probe("multipass_version").number
    if number is not None and number < LINUX_BRIDGING_SINCE:
        check.skip(f"Multipass {'.'.join(map(str, number))} bridges on Linux only through LXD (QEMU bridging "
                   "and NetworkManager came with 1.15)")
    driver = check.known(host.driver)
    if driver not in (None, "qemu"):
        check.skip(f"the driver is {driver}: only QEMU creates its bridges through NetworkManager")
    if why is None:
        check.skip("bridged networking is not configured (no local.bridged-network, no bridged instance)")
    preferred = check.known(host.bridged_network)
    nets = check.known(host.networks) or []
    target = next((n for n in nets if n.name == preferred), None)
    if target is not None and target.type.lower() == "bridge" and "is bridged" not in why:
        check.skip(f"{preferred} is already a bridge: Multipass attaches to it without creating one "
                   "(no NetworkManager needed)")
    state = check.probe("networkmanager_active")
    if state == "active":
        return
    check.fail(f"{why}, but NetworkManager is {state} (`systemctl is-active NetworkManager`): Multipass "
               "cannot create or manage the bridge for a bridged network without it", state=state)
