"""Tools known to interfere with Multipass: VPN clients, DNS tools, Little Snitch. Their
presence warns (it never fails): the route and port-53 checks say whether they do harm now."""

import pytest

from mpdiag.host.rules import macos as facts


def _processes(check):
    return check.probe("processes")


@pytest.mark.check("macos.interference.vpn_clients")
def test_vpn_clients(check, mac):
    mac.require_vmnet()
    found = facts.vpn_clients(_processes(check))
    if found:
        ifaces = check.optional("ifconfig") or {}
        vpn_ifs = [f"{i.name} ({i.inet[0].ip})" for i in facts.vpn_interfaces(ifaces)]
        up = f"; VPN interfaces up: {', '.join(vpn_ifs)}" if vpn_ifs else ""
        check.warn(f"VPN client running: {', '.join(map(str, found))}{up}: it may route the instance subnet "
                   "through the VPN (see macos.route.subnet_on_bridge)")


@pytest.mark.check("macos.interference.dns_tools")
def test_dns_tools(check, mac):
    mac.require_vmnet()
    found = facts.dns_tools(_processes(check))
    if found:
        check.warn(f"DNS tool running: {', '.join(map(str, found))}: by default it binds localhost:53 "
                   "(see macos.dns.port53_exclusive)")


@pytest.mark.check("macos.interference.little_snitch")
def test_little_snitch(check):
    found = facts.little_snitch(_processes(check))
    if found:
        check.warn(f"Little Snitch is running: {', '.join(map(str, found))}")
