"""The guide's "Default switch going awry": the switch, its adapter's address, its HNS network.

The switch is found by its fixed Id (as Multipass does: `Get-VMSwitch -Id C08CB7B8-...`),
never by its name, which Windows localizes (`Standardswitch`, `Commutateur par défaut`);
the remedy's `Remove-HNSNetwork` line names the switch the way this Windows does.
"""

import pytest

from mpdiag.host.rules.windows import (DEFAULT_SWITCH_ID, DEFAULT_SWITCH_NAME, adapter_ipv4, default_switch_claimants,
                                  find_default_switch, hns_subnets)
from mpdiag.parse.powershell import prop
from mpdiag.parse.unavailable import Absent


def _switch_name(check, hns=None) -> str:
    """The Default Switch's (localized) name: from Get-VMSwitch by Id, else its HNS network."""
    switches, _ = check.attempt("vm_switches")
    switch = find_default_switch(switches) if switches is not None else None
    if switch is not None and prop(switch, "Name"):
        return str(prop(switch, "Name"))
    for net in hns or ():
        if str(prop(net, "ID", "")).lower() == DEFAULT_SWITCH_ID and prop(net, "Name"):
            return str(prop(net, "Name"))
    return DEFAULT_SWITCH_NAME


@pytest.mark.check("windows.switch.exists")
def test_default_switch_exists(check, hyperv, switch_address):
    switches = check.probe("vm_switches")
    switch = find_default_switch(switches)
    if switch is None:
        others = ", ".join(f"{prop(s, 'Name')} ({prop(s, 'Id')})" for s in switches) or "none at all"
        check.fail(f"Get-VMSwitch lists no switch with the Default Switch's Id {DEFAULT_SWITCH_ID} "
                   f"(switches found: {others}); Multipass launches fail with 'Could not find the default switch'",
                   switch_name=DEFAULT_SWITCH_NAME)
    name = prop(switch, "Name")
    if switch_address is None:
        addresses = check.probe("default_switch_ip")
        if isinstance(addresses, Absent):
            shown = f"none: {addresses.why}"
        else:
            shown = ", ".join(str(a) for a in adapter_ipv4(addresses)) or "none"
        check.fail(f"the switch {name!r} exists but its adapter vEthernet ({name}) has no usable IPv4 address "
                   f"(found: {shown}); ICS did not configure it", switch_name=name)


@pytest.mark.check("windows.switch.hns_healthy")
def test_hns_network_healthy(check, hyperv, switch_address):
    hns = check.probe("hns_networks")
    networks = default_switch_claimants(hns)
    name = _switch_name(check, hns)
    if not networks:
        check.fail(f"Get-HNSNetwork has no network for the Default Switch (ID {DEFAULT_SWITCH_ID.upper()})",
                   switch_name=name)
    if len(networks) > 1:
        listed = "; ".join(f"{prop(n, 'Name')} {prop(n, 'ID')} "
                           f"{', '.join(str(s) for s, _ in hns_subnets(n)) or 'no subnet'}" for n in networks)
        check.fail(f"{len(networks)} HNS networks claim the Default Switch: {listed}", switch_name=name)
    net = networks[0]
    subnets = hns_subnets(net)
    if not subnets:
        check.fail(f"the Default Switch's HNS network {prop(net, 'ID')} has no IPv4 subnet", switch_name=name)
    missing_gw = [str(s) for s, gw in subnets if gw is None]
    if missing_gw:
        check.fail(f"the Default Switch's HNS subnet {', '.join(missing_gw)} has no gateway address",
                   switch_name=name)
    described = ", ".join(f"{s} via {gw}" for s, gw in subnets)
    if switch_address is None:
        check.skip(f"HNS has {described}, but the Default Switch's vEthernet adapter has no IPv4 to compare "
                   "(see windows.switch.exists)")
    for subnet, gateway in subnets:
        if switch_address.network == subnet and str(switch_address.ip) == gateway:
            return
    check.fail(f"the Default Switch's HNS network has {described}, but its adapter has {switch_address}: "
               "the switch's state is inconsistent (the guide's 'Default switch going awry')", switch_name=name)
