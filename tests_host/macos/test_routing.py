"""The guide's network routing problems: the instance subnet goes out the vmnet bridge
(not a VPN's utun), and with a VPN owning the default route, pf NATs the bridge out of it."""

import ipaddress

import pytest

from mpdiag import host
from mpdiag.host.rules import macos as facts
from mpdiag.parse.netstat import route_for
from mpdiag.parse.pfctl import NatRule

INTERNET_PROBE = "1.1.1.1"  # where "the default route" leads (OpenVPN's def1 routes included)


def _target(subnet, running) -> str:
    """An address of the subnet to route: a Running instance's, else one that is not the gateway."""
    for inst in running:
        if ipaddress.IPv4Address(inst.ipv4[0]) in subnet.network:
            return inst.ipv4[0]
    return str(subnet.network[-2])


def _vpn_note(mac) -> str:
    procs = mac.check.optional("processes") or []
    clients = facts.vpn_clients(procs)
    return f"; VPN client running: {', '.join(map(str, clients))}" if clients else ""


@pytest.mark.check("macos.route.subnet_on_bridge")
def test_subnet_routed_to_bridge(check, mac):
    mac.require_vmnet()
    subnet = mac.subnet(need_bridge=True)
    running = [i for i in check.known(host.instances) or () if i.running and i.ipv4]  # none known: any address
    routes = check.probe("netstat_routes")
    ip = _target(subnet, running)
    route = route_for(routes, ip)
    if route is None:
        check.fail(f"no route to {ip} at all (netstat -rn): the subnet {subnet.network} is not routed to "
                   f"{subnet.bridge}", subnet=subnet.network, bridge=subnet.bridge, found_if="nowhere")
    if route.netif == subnet.bridge:
        return
    kind = "a VPN interface" if facts.is_vpn_interface(route.netif) else "not the vmnet bridge"
    check.fail(f"the route to {ip} ({route.destination} via {route.gateway}) goes out {route.netif}, {kind}, "
               f"instead of {subnet.bridge}{_vpn_note(mac)}", subnet=subnet.network, bridge=subnet.bridge,
               found_if=route.netif)


def _covers(rule: NatRule, bridge: str, network) -> bool:
    src = rule.source.strip()
    if src in ("any", f"{bridge}:network", bridge, f"({bridge})", f"{bridge}:0"):
        return True
    try:
        return ipaddress.IPv4Network(src, strict=False).supernet_of(network)
    except ValueError:
        return False


@pytest.mark.check("macos.route.vpn_nat")
def test_vpn_default_route_has_nat(check, mac):
    mac.require_vmnet()
    routes = check.probe("netstat_routes")
    default = route_for(routes, INTERNET_PROBE)
    if default is None or not facts.is_vpn_interface(default.netif):
        via = default.netif if default else "nowhere"
        check.skip(f"the default route goes out {via}, not a VPN interface: no NAT rule is needed")
    vpn_if = default.netif
    subnet = mac.subnet(need_bridge=True)
    rules = check.probe("pf_nat")
    if any(r.interface in (vpn_if, "any") and _covers(r, subnet.bridge, subnet.network) for r in rules):
        return
    shown = "; ".join(r.raw for r in rules if r.interface not in ("any",)) or "no nat rule"
    check.fail(f"the default route goes out the VPN interface {vpn_if} ({default.destination} via "
               f"{default.gateway}) but `sudo pfctl -s nat` has no rule NATing {subnet.bridge} "
               f"({subnet.network}) on {vpn_if} ({shown})", vpn_if=vpn_if, bridge=subnet.bridge)
