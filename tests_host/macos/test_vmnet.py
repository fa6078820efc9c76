"""vmnet's subnet: configured inside 192.168 (up to 1.16.1), matching the newest DHCP
lease, with a bridge while instances run, and not colliding with the LAN."""

import ipaddress

import pytest

from mpdiag.host.rules import macos as facts
from mpdiag.parse.dhcpd_leases import newest_lease
from mpdiag.parse.unavailable import Absent

RANGE_192_168 = ipaddress.IPv4Network("192.168.0.0/16")
VMNET_LOG_SIGNATURES = ("could not create vmnet interface", "cannot create vmnet interface")


@pytest.mark.check("macos.vmnet.subnet_in_192_168")
def test_shared_net_address_in_192_168(check, mac):
    mac.require_vmnet()
    version = mac.version()
    if version.number is not None and version.number >= facts.FORCED_SUBNET_SINCE:
        check.skip(f"Multipass {version.daemon or version.client} sets vmnet's subnet itself "
                   f"({facts.FORCED_SUBNET}) and does not read Shared_Net_Address")
    plist = mac.plist()
    if plist is None:
        check.skip("probe 'vmnet_plist' is not recorded")
    value = plist.get("Shared_Net_Address")
    if value is None:
        return  # not set: vmnet's default, inside 192.168
    try:
        address = ipaddress.IPv4Address(str(value).strip())
    except ValueError:
        address = None
    if address is None or address not in RANGE_192_168:
        check.fail(f"Shared_Net_Address in com.apple.vmnet.plist is {value!r}, outside 192.168.0.0/16, which "
                   "Multipass expects", suggested_address="192.168.64.1")


@pytest.mark.check("macos.vmnet.leases_match_subnet")
def test_newest_lease_in_subnet(check, mac):
    mac.require_vmnet()
    leases = check.probe("dhcpd_leases")
    if isinstance(leases, Absent):
        check.skip("/var/db/dhcpd_leases does not exist: no lease to compare")
    newest = newest_lease(leases)
    if newest is None:
        check.skip("/var/db/dhcpd_leases holds no lease yet")
    subnet = mac.subnet()
    if ipaddress.IPv4Address(newest.ip) not in subnet.network:
        origin = {"bridge": f"{subnet.bridge}'s", "plist": "Shared_Net_Address's",
                  "instances": "the running instances'", "multipass": "Multipass's"}[subnet.source]
        check.fail(f"the newest lease in /var/db/dhcpd_leases ({newest.ip}, {newest.name or 'unnamed'}) is outside "
                   f"{origin} subnet {subnet.network}: bootpd derives the subnet from that lease and rewrites "
                   "Shared_Net_Address to match it", subnet=subnet.network)


@pytest.mark.check("macos.vmnet.bridge_exists")
def test_bridge_exists_while_running(check, mac):
    mac.require_vmnet()
    running = mac.running(with_ip=False)
    if not running:
        check.skip("no instance is Running: vmnet creates the bridge only while one runs")
    ifaces = check.probe("ifconfig")
    bridges = facts.vmnet_bridges(ifaces)
    if bridges:
        return
    names = ", ".join(f"{i.name} ({i.ipv4[0] if i.ipv4 else 'no IP'})" for i in running)
    found = f"{len(running)} instance(s) Running ({names}) but ifconfig shows no vmnet bridgeN with an address"
    log = check.optional("multipassd_log")
    if log:
        hits = [ln.strip() for ln in log.splitlines() if any(s in ln.lower() for s in VMNET_LOG_SIGNATURES)]
        if hits:
            found += f"; multipassd.log says: {hits[-1]}"
    check.fail(found)


@pytest.mark.check("macos.vmnet.subnet_collision")
def test_subnet_does_not_collide(check, mac):
    mac.require_vmnet()
    subnet = mac.subnet()
    ifaces = check.probe("ifconfig")
    vmnet = {b.name for b in facts.vmnet_bridges(ifaces)}
    for iface in ifaces.values():
        if iface.name in vmnet or iface.name == subnet.bridge or iface.name.startswith(("lo", "vmenet")):
            continue
        for addr in iface.inet:
            if addr.network.overlaps(subnet.network):
                check.fail(f"the vmnet subnet {subnet.network} overlaps {iface.name}'s {addr.network} "
                           f"({iface.name} has {addr.ip})", subnet=subnet.network, other_if=iface.name,
                           other_net=addr.network)
    arp = check.optional("arp_table") or []
    seen: dict[str, set[str]] = {}
    for entry in arp:
        if entry.interface and ipaddress.IPv4Address(entry.ip) in subnet.network:
            seen.setdefault(entry.ip, set()).add(entry.interface)
    for ip, where in sorted(seen.items()):
        if len(where) > 1:
            others = sorted(where - {subnet.bridge or ""}) or sorted(where)
            check.fail(f"{ip} answers on {', '.join(sorted(where))} in `arp -an`: the vmnet subnet {subnet.network} "
                       "is also reachable through another interface", subnet=subnet.network,
                       other_if=others[0], other_net=f"{ip} (arp)")
