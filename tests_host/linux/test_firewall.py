"""The host firewall lets the bridge work: FORWARD passes the instances' traffic, INPUT
lets their DHCP and DNS reach dnsmasq, ufw/firewalld do not drop them."""

import pytest

from mpdiag.host.rules import nft
from mpdiag.host.rules.linux import dhcp_packets, forward_packets, multipass_rules, walk
from mpdiag.parse.unavailable import ToolMissing, Unavailable
from tests_host.linux.conftest import native_nft


def _uncertain(verdicts) -> str:
    rules = {r.text for v in verdicts for r in v.uncertain}
    return f" (rules not evaluated: {'; '.join(sorted(rules))})" if rules else ""


@pytest.mark.check("linux.firewall.forward")
def test_forward_accepts_bridge(check, addressed_bridges, rulesets):
    for b in addressed_bridges:
        for backend, rs in rulesets:
            for pkt in forward_packets(b):
                v = walk(rs, "filter", "FORWARD", pkt)
                if v.accepted:
                    continue
                chain = rs.chain("filter", "FORWARD")
                policy = chain.policy if chain else "ACCEPT"
                ours = [r for r in multipass_rules(rs, b.name) if r.chain == "FORWARD" and r.target == "ACCEPT"]
                state = (f"Multipass's FORWARD ACCEPT rules for {b.name} are missing" if not ours else
                         f"Multipass's {len(ours)} FORWARD ACCEPT rule(s) for {b.name} come too late")
                check.fail(f"{backend} FORWARD (policy {policy}) drops the {pkt.what} traffic of {b.name} "
                           f"({b.subnet}): {v.describe()} gives {v.action}; {state}{_uncertain([v])}",
                           bridge=b.name, subnet=b.subnet)
    _native(check, addressed_bridges, "forward", forward_packets, "linux.forward_nft", "traffic of")


def _nft_uncertain(v) -> str:
    rules = {r.text for r in v.uncertain}
    return f" (rules not evaluated: {'; '.join(sorted(rules))})" if rules else ""


def _native(check, bridges, hook, packets, remedy_id, what) -> None:
    """The native nftables base chains on `hook` (those iptables-save never shows) must accept
    every packet; a drop fails with the chain in nft syntax."""
    rs = native_nft(check)
    if rs is None:
        return
    for b in bridges:
        for pkt in packets(b):
            v = nft.first_drop(rs, hook, pkt)
            if v is not None:
                check.fail(f"native nftables {v.describe()} drops the {pkt.what} {what} {b.name} ({b.subnet}) "
                           f"({v.action}); iptables-save does not show this table{_nft_uncertain(v)}",
                           remedy_id, bridge=b.name, subnet=b.subnet, family=v.chain.family, table=v.chain.table,
                           chain=v.chain.name, where=v.chain.where)


def _ufw(check):
    status = check.probe("ufw_status")
    return None if isinstance(status, ToolMissing) else status  # None: ufw is not installed


def _firewalld_zone(check, bridge):
    """(zone name, Zone) of the bridge under a running firewalld; None when not installed/running."""
    zones = check.probe("firewalld_zones")
    if isinstance(zones, Unavailable):
        return None          # firewalld is not installed, or there is no system bus for it
    if zones is None:
        return None          # FirewallD is not running
    name = next((z for z, info in zones.items() if bridge in info.interfaces), None)
    if name is None:
        name = check.probe("firewalld_default_zone")
        if name is None:
            return None
    zone = check.probe("firewalld_zone", zone=name)
    return (name, zone) if zone is not None else None


@pytest.mark.check("linux.firewall.dhcp_allowed")
def test_dhcp_and_dns_allowed(check, addressed_bridges, rulesets):
    warnings = []
    for b in addressed_bridges:
        verdicts = []
        for backend, rs in rulesets:
            for pkt in dhcp_packets(b):
                v = walk(rs, "filter", "INPUT", pkt)
                verdicts.append(v)
                if not v.accepted:
                    check.fail(f"{backend} INPUT drops {pkt.what} from instances on {b.name}: {v.describe()} "
                               f"gives {v.action} before Multipass's ACCEPT for {b.name}{_uncertain([v])}",
                               bridge=b.name)
        by_multipass = all(v.multipass for v in verdicts)
        ufw = _ufw(check)
        if ufw is not None and ufw.active and ufw.defaults.get("incoming", "deny") != "allow":
            missing = [what for what, port in (("DHCP 67/udp", 67), ("DNS 53/udp", 53))
                       if ufw.allows_in(b.name, port, "udp") is None]
            if missing:
                found = (f"ufw is active (incoming {ufw.defaults.get('incoming', 'deny')}) with no rule allowing "
                         f"{' and '.join(missing)} in on {b.name}")
                if by_multipass:
                    warnings.append(found + ": Multipass's own INPUT rules accept them first for now, "
                                            "but a ufw reload or another backend can put ufw ahead")
                else:
                    check.fail(found, bridge=b.name)
        fw = _firewalld_zone(check, b.name)
        if fw is not None:
            name, zone = fw
            denied = [what for what, svc, port in (("DHCP", "dhcp", 67), ("DNS", "dns", 53))
                      if not zone.allows(svc, port, "udp")]
            if denied:
                how = "is in" if b.name in zone.interfaces else "falls into the default"
                check.fail(f"firewalld is running and {b.name} {how} zone {name!r} (target {zone.target}), "
                           f"which does not allow {' and '.join(denied)}", bridge=b.name, zone=name)
    _native(check, addressed_bridges, "input", dhcp_packets, "linux.firewall_dhcp_nft", "from instances on")
    for w in warnings:
        check.warn(w, bridge=addressed_bridges[0].name)
