"""The model's view of Multipass's own networking (issue 11): the bridged setting and the
networks it can name, whether an instance is bridged, the availability zones and what
collides with their subnets, and the host's own evidence of an instance's current address.

Formats and behaviour: `../shared/reference/multipass-networking-2026.md`. Where the
reference says a detail is unconfirmed (zone outputs are derived from the code; the
macOS/Windows zone bridge and adapter names), the code says so next to it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from mpdiag.errors import CliFailed, DiagError
from mpdiag.host._multipass import NotApplicable
from mpdiag.parse.multipass_net import NOT_IMPLEMENTED, Network, Zone
from mpdiag.parse.unavailable import Absent

BRIDGED_SINCE = (1, 14, 0)   # `local.<i>.bridged` (absent from instance_settings_handler.cpp@v1.13.0)
LINUX_BRIDGING_SINCE = (1, 15, 0)  # Linux QEMU `networks` and bridging through NetworkManager
# Multipass's own interfaces, which a zone's subnet is *meant* to be on. Linux: mpqemubr0, HEAD
# mpqemubrzone1..3. macOS: vmnet's bridge100+ (per-zone names unconfirmed). Windows: HCS's
# `Multipass vNetwork (<zone>)` and the Default Switch (adapter aliases unconfirmed).
OWN_PREFIXES = {"linux": ("mpqemubr",), "macos": ("bridge1",), "windows": ()}
OWN_WORDS_WINDOWS = ("multipass", "default switch")


def _daemon(session: Any) -> None:
    try:
        version = session.get("multipass_version")
    except CliFailed as exc:
        if exc.missing:
            raise NotApplicable("Multipass is not installed on this host (no `multipass` command)") from None
        raise
    if version.daemon is None:
        raise NotApplicable(f"multipassd does not answer (see {session.platform}.multipass.daemon)")


def bridged_network(session: Any) -> str | None:
    """`local.bridged-network`, None when it is empty (nothing to bridge onto by default)."""
    _daemon(session)
    return session.get("multipass_bridged_network") or None


def networks(session: Any) -> list[Network]:
    """`multipass networks`; NotApplicable when the backend has no bridged networking."""
    _daemon(session)
    try:
        return session.get("multipass_networks")
    except CliFailed as exc:
        if _not_implemented(exc):
            raise NotApplicable(f"this driver has no bridged networking (`multipass networks`: {exc.said})") from None
        raise


def _not_implemented(exc: CliFailed) -> bool:
    """The CLI said this driver does not implement the command (no bridged networking)."""
    return not exc.timed_out and exc.verb is not None and NOT_IMPLEMENTED in exc.said


def _version(session: Any) -> tuple[int, int, int] | None:
    return session.get("multipass_version").number


def instance_bridged(session: Any, name: str) -> bool:
    """`multipass get local.<name>.bridged`; NotApplicable before 1.14 (no such setting)."""
    _daemon(session)
    number = _version(session)
    if number is not None and number < BRIDGED_SINCE:
        raise NotApplicable(f"Multipass {'.'.join(map(str, number))} has no `local.<instance>.bridged` "
                            "setting (1.14+)")
    try:
        return session.get("multipass_instance_bridged", vm=name)
    except CliFailed as exc:
        if _not_implemented(exc):
            raise NotApplicable(f"this driver has no bridged networking (`multipass get local.{name}.bridged`: "
                                f"{exc.said})") from None
        raise


def bridging_in_use(session: Any) -> str | None:
    """What makes bridged networking configured here (the setting, or a bridged instance), or None."""
    preferred = bridged_network(session)
    if preferred:
        return f"local.bridged-network is {preferred}"
    from mpdiag import host

    for inst in host.instances(session):
        try:
            if instance_bridged(session, inst.name):
                return f"{inst.name} is bridged"
        except DiagError:
            continue
    return None


# ---- zones ------------------------------------------------------------------------------------

def zones(session: Any) -> list[Zone]:
    """The availability zones (main); NotApplicable where `multipass zones` does not exist."""
    _daemon(session)
    found = session.get("multipass_zones")
    if found is None:
        ver = session.get("multipass_version")
        raise NotApplicable(f"Multipass {ver.daemon or ver.client} has no availability zones "
                            "(`multipass zones` is an unknown command before main)")
    return found


@dataclass(frozen=True)
class Collision:
    zone: Zone
    what: str  # "the route 10.97.1.0/24 via eth1", "eth1's address 10.97.1.7/24"


def _own(platform: str, interface: str) -> bool:
    if platform == "windows":
        low = interface.lower()
        return any(w in low for w in OWN_WORDS_WINDOWS)
    return interface.startswith(OWN_PREFIXES[platform])


def _host_networks(session: Any) -> list[tuple[str, ipaddress.IPv4Network, str]]:
    """(kind, network, interface) of every host route and interface address (IPv4)."""
    out: list[tuple[str, ipaddress.IPv4Network, str]] = []
    if session.platform == "linux":
        for r in session.get("host_ip_route"):
            if r.network is not None and r.dev:
                out.append(("route", r.network, r.dev))
        for name, link in session.get("host_ip_addr").items():
            out += [("address", a.network, name) for a in link.addresses]
    elif session.platform == "macos":
        for r in session.get("netstat_routes"):
            if r.network is not None and r.netif and not r.scoped and r.network.prefixlen < 32:
                out.append(("route", r.network, r.netif))
        for name, iface in session.get("ifconfig").items():
            out += [("address", a.network, name) for a in iface.inet]
    else:
        from mpdiag.parse.powershell import prop

        for obj in session.get("ipv4_addresses"):
            alias, ip, plen = prop(obj, "InterfaceAlias"), prop(obj, "IPAddress"), prop(obj, "PrefixLength")
            try:
                net = ipaddress.IPv4Interface(f"{ip}/{int(plen)}").network
            except (TypeError, ValueError):
                continue
            out.append(("address", net, str(alias)))
    return out


def zone_collisions(session: Any) -> list[Collision]:
    """Zones whose subnet another interface's address overlaps, or a route as specific as the
    zone's (or more) that sends part of it elsewhere (a LAN on the same subnet, a VPN's route).
    Multipass's own interfaces and loopback are not collisions; neither are broader routes
    (the default, a VPN's 0/1), which the zone's own /24 outranks."""
    found = zones(session)
    nets = _host_networks(session)
    out = []
    for z in found:
        for kind, net, iface in nets:
            if _own(session.platform, iface) or iface.startswith("lo") or not net.overlaps(z.subnet):
                continue
            if kind == "route" and net.prefixlen < z.subnet.prefixlen:
                continue
            what = f"the route {net} on {iface}" if kind == "route" else f"{iface}'s network {net}"
            if all(c.what != what or c.zone != z for c in out):
                out.append(Collision(z, what))
    return out


# ---- the host's evidence of an instance's address ------------------------------------------------

@dataclass(frozen=True)
class Evidence:
    """The address the host's own records give an instance now, and which record says so."""

    ip: str | None
    source: str


def ip_evidence(session: Any, name: str) -> Evidence:
    """Linux: the snap dnsmasq's lease naming the instance (its hostname); macOS: bootpd's newest
    lease with that name (dhcpd_leases); Windows: hosts.ics's entry for `<name>.mshome.net`.
    NotApplicable when the host holds no such record."""
    if session.platform == "linux":
        from mpdiag.parse.multipass_net import parse_dnsmasq_leases

        data = session.get("dnsmasq_leases")
        if not isinstance(data, dict) or data.get("content") is None:
            why = data.get("error") if isinstance(data, dict) else "unreadable"
            raise NotApplicable(f"the dnsmasq leases file cannot be read ({why})")
        leases = [lease for lease in parse_dnsmasq_leases(data["content"]) if lease.hostname == name]
        if not leases:
            raise NotApplicable(f"no lease in {data.get('path')} names {name}")
        lease = leases[-1]
        return Evidence(lease.ip, f"the dnsmasq lease of {lease.mac} in {data.get('path')}")
    if session.platform == "macos":
        from mpdiag.parse.dhcpd_leases import newest_lease

        leases = session.get("dhcpd_leases")
        if isinstance(leases, Absent):
            raise NotApplicable(f"there is no /var/db/dhcpd_leases ({leases.why})")
        mine = [lease for lease in leases if lease.name == name]
        newest = newest_lease(mine)
        if newest is None:
            raise NotApplicable(f"no lease in /var/db/dhcpd_leases names {name}")
        return Evidence(newest.ip, f"bootpd's newest lease for {name} in /var/db/dhcpd_leases")
    hosts = session.get("hosts_ics")
    if isinstance(hosts, Absent):
        raise NotApplicable("there is no hosts.ics (ICS has handed out no lease)")
    entries = hosts.by_instance(name)
    if not entries:
        raise NotApplicable(f"hosts.ics has no entry for {name}.mshome.net")
    return Evidence(entries[0].ip, f"hosts.ics's entry for {name}.mshome.net (line {entries[0].line_no})")
