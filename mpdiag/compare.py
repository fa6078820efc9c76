"""What changed since it worked: the facts that matter, compared between two machine states.

"It worked last week" is the most useful thing a user knows. Given the bundle recorded
then (the old :class:`~mpdiag.probes.ProbeSession`, over a ReplaySource) and the state
now (live, or another bundle), :func:`compare` lists the differences that decide
Multipass networking: OS and Multipass versions, the driver, the subnet and bridge,
the route to the subnet and the default route, VPN interfaces, VPN and DNS-tool
processes, who holds ports 53 and 67, firewall states, pf NAT rules, hosts.ics lines,
firewalld zones.

A fact either side cannot tell (not recorded, needs root, unparseable) is no change:
it is left out, never guessed. Process facts compare tools by name, not pid (pids
change on every boot). Nothing here runs a command: every value comes from probes, and
what the host model derives (the OS, the versions, the driver, the subnet and bridge, the
Default Switch's address) is read from the model (mpdiag.host), never derived again.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from mpdiag import host
from mpdiag.errors import DiagError
from mpdiag.host import NotApplicable
from mpdiag.host.rules import macos as mac_facts
from mpdiag.parse.iproute import IpRoute
from mpdiag.parse.netstat import route_for
from mpdiag.parse.unavailable import Absent, Unavailable

Value = Any  # str, a sorted list of str, or None (unknown)
INTERNET = "1.1.1.1"  # where "the default route" leads (as the routing checks)


@dataclass(frozen=True)
class Change:
    """One fact that differs: `old`/`new` are strings or sorted lists of strings."""

    fact: str
    label: str
    old: Value
    new: Value

    @property
    def added(self) -> list[str]:
        return [v for v in _items(self.new) if v not in _items(self.old)]

    @property
    def removed(self) -> list[str]:
        return [v for v in _items(self.old) if v not in _items(self.new)]

    @property
    def summary(self) -> str:
        if isinstance(self.old, list) or isinstance(self.new, list):
            parts = []
            if self.added:
                parts.append("now " + "; ".join(self.added))
            if self.removed:
                parts.append("no longer " + "; ".join(self.removed))
            return f"{self.label}: " + ", ".join(parts)
        return f"{self.label}: {self.old or '(none)'} -> {self.new or '(none)'}"

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "label": self.label, "old": self.old, "new": self.new,
                "added": self.added, "removed": self.removed, "summary": self.summary}


def _items(v: Value) -> list[str]:
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def _get(ps, name: str, **params: Any) -> Any:
    """A probe's value, or None when it cannot be had (the fact is then unknown; so is a probe
    whose readers found it absent, denied or not installed)."""
    try:
        value = ps.get(name, **params)
    except DiagError:
        return None
    return None if isinstance(value, Unavailable) else value


def _model(fact: Callable[[Any], Any], ps) -> Any:
    """A host-model fact, or None when the model cannot tell."""
    try:
        return fact(ps)
    except DiagError:
        return None


# --- facts every platform has -------------------------------------------------------------------

def os_version(ps) -> Value:
    return host.os_version(ps)


def multipass_version(ps) -> Value:
    v = _model(host.version, ps)
    if v is None:
        return None
    return v.client if v.daemon in (None, v.client) else f"{v.client} (multipassd {v.daemon})"


def daemon(ps) -> Value:
    v = _model(host.version, ps)
    return None if v is None else ("answers" if v.daemon is not None else "does not answer")


def driver(ps) -> Value:
    v = _model(host.driver, ps)
    return None if v is None else str(v)


# --- macOS --------------------------------------------------------------------------------------

def _mac_route(ps, ip: str) -> Value:
    routes = _get(ps, "netstat_routes")
    if routes is None:
        return None
    r = route_for(routes, ip)
    return "(no route)" if r is None else f"{r.destination} via {r.gateway} on {r.netif}"


def _target(subnet) -> str:
    """An address inside the subnet that is not its gateway (the routing check's target)."""
    return str(subnet.network[-2])


def _names(matches) -> list[str]:
    return sorted({f"{m.tool} ({m.name})" for m in matches})


def _holders(entries, port: int) -> list[str]:
    from mpdiag.parse.lsof import listeners_on

    return sorted({f"{e.command} ({e.protocol} {e.address}:{e.port})" for e in listeners_on(list(entries), port)})


def _fw(ps, name: str, attr: str) -> Value:
    st = _get(ps, name)
    value = getattr(st, attr, None) if st is not None else None
    return None if value is None else ("on" if value else "off")


def _mac(ps) -> dict[str, tuple[str, Callable[[], Value]]]:
    sub = _model(host.vmnet, ps)
    procs = _get(ps, "processes")
    ifaces = _get(ps, "ifconfig")
    lsof53, lsof67, nat = _get(ps, "lsof_port53"), _get(ps, "lsof_udp67"), _get(ps, "pf_nat")
    bootpd = _get(ps, "firewall_bootpd")
    return {
        "subnet": ("the instance subnet", lambda: str(sub.network) if sub else None),
        "bridge": ("the vmnet bridge", lambda: (sub.bridge or "(none)") if sub else None),
        "route_to_subnet": ("the route to the subnet", lambda: _mac_route(ps, _target(sub)) if sub else None),
        "default_route": ("the default route", lambda: _mac_route(ps, INTERNET)),
        "vpn_interfaces": ("VPN interfaces up", lambda: None if ifaces is None else sorted(
            f"{i.name} {', '.join(str(a) for a in i.inet)}" for i in mac_facts.vpn_interfaces(ifaces))),
        "vpn_clients": ("VPN client processes", lambda: None if procs is None else _names(mac_facts.vpn_clients(procs))),
        "dns_tools": ("DNS-tool processes", lambda: None if procs is None else _names(mac_facts.dns_tools(procs))),
        "little_snitch": ("Little Snitch", lambda: None if procs is None else _names(mac_facts.little_snitch(procs))),
        "port53": ("holders of port 53", lambda: None if lsof53 is None else _holders(lsof53, 53)),
        "port67": ("holders of UDP port 67", lambda: None if lsof67 is None else _holders(lsof67, 67)),
        "firewall": ("the application firewall", lambda: _fw(ps, "firewall_global", "enabled")),
        "firewall_block_all": ("the firewall's block-all", lambda: _fw(ps, "firewall_blockall", "block_all")),
        "firewall_stealth": ("the firewall's stealth mode", lambda: _fw(ps, "firewall_stealth", "stealth")),
        "firewall_bootpd": ("bootpd in the firewall", lambda: None if bootpd is None or bootpd.blocked is None
                            else ("blocked" if bootpd.blocked else "allowed")),
        "pf_nat": ("pf NAT rules", lambda: None if nat is None else sorted(r.raw for r in nat)),
    }


# --- Linux --------------------------------------------------------------------------------------

def _linux_route(routes: Sequence[IpRoute], ip: ipaddress.IPv4Address) -> str:
    best = None
    for r in routes:
        try:
            net = ipaddress.IPv4Network("0.0.0.0/0" if r.dst == "default" else r.dst, strict=False)
        except ValueError:
            continue
        if ip in net and (best is None or net.prefixlen > best[0].prefixlen):
            best = (net, r)
    if best is None:
        return "(no route)"
    r = best[1]
    return f"{r.dst}" + (f" via {r.gateway}" if r.gateway else "") + f" dev {r.dev}"


def _linux(ps) -> dict[str, tuple[str, Callable[[], Value]]]:
    try:
        bridges: list | None = host.bridges(ps)
    except NotApplicable:
        bridges = []  # no Multipass bridge here
    except DiagError:
        bridges = None
    routes = _get(ps, "host_ip_route")
    first = bridges[0] if bridges else None
    sockets = _get(ps, "listening_sockets")
    ufw = _get(ps, "ufw_status")
    zones = _get(ps, "firewalld_zones")

    def owners(port: int) -> Value:
        if sockets is None:
            return None
        return sorted({f"{s.name or 'pid ' + str(s.pid)} ({s.proto} {s.ip}:{s.port})" for s in sockets if s.port == port})

    return {
        "subnet": ("the instance subnet", lambda: None if bridges is None else str(first.subnet) if first else "(none)"),
        "bridge": ("the Multipass bridge", lambda: None if bridges is None else
                   ", ".join(f"{b.name} {'up' if b.link and b.link.up else 'down'}" for b in bridges) or "(none)"),
        "route_to_subnet": ("the route to the subnet", lambda: None if routes is None or first is None or
                            first.subnet is None else _linux_route(routes, first.host)),
        "default_route": ("the default route", lambda: None if routes is None else
                          _linux_route(routes, ipaddress.IPv4Address(INTERNET))),
        "port53": ("holders of port 53", lambda: owners(53)),
        "port67": ("holders of UDP port 67", lambda: owners(67)),
        "ufw": ("ufw", lambda: None if ufw is None else ("active" if ufw.active else "inactive")
                + "".join(f", {k} {v}" for k, v in sorted(ufw.defaults.items()))),
        "zones": ("firewalld zones", lambda: None if zones is None else sorted(
            f"{z.name}: {z.info.get('interfaces', '')}".strip() for z in zones.values())),
        "ip_forward": ("net.ipv4.ip_forward", lambda: None if _get(ps, "sysctl_ip_forward") is None
                       else str(_get(ps, "sysctl_ip_forward"))),
    }


# --- Windows ------------------------------------------------------------------------------------

def _windows(ps) -> dict[str, tuple[str, Callable[[], Value]]]:
    ics = _get(ps, "hosts_ics")
    svc = _get(ps, "ics_service")

    def switch() -> Value:
        try:
            address = host.switch_address(ps)
        except DiagError:
            return None
        return str(address.network) if address else "(none)"

    return {
        "subnet": ("the Default Switch subnet", switch),
        "ics": ("the ICS service (SharedAccess)", lambda: None if not isinstance(svc, dict) else
                str(svc.get("Status", svc.get("status")))),
        "hosts_ics": ("hosts.ics lines", lambda: [] if _absent(ps, "hosts_ics") else None if ics is None else sorted(
            f"{e.ip} {e.name}" for e in ics.entries)),
    }


def _absent(ps, name: str) -> bool:
    try:
        return isinstance(ps.get(name), Absent)
    except DiagError:
        return False


PLATFORM_FACTS = {"macos": _mac, "linux": _linux, "windows": _windows}


def snapshot(ps) -> dict[str, tuple[str, Value]]:
    """fact -> (label, value) for one machine state; unknown facts are left out."""
    facts: dict[str, tuple[str, Callable[[], Value]]] = {
        "os": ("the OS", lambda: os_version(ps)),
        "multipass": ("Multipass", lambda: multipass_version(ps)),
        "daemon": ("multipassd", lambda: daemon(ps)),
        "driver": ("the driver", lambda: driver(ps)),
    }
    facts.update(PLATFORM_FACTS.get(ps.platform, lambda _: {})(ps))
    out = {}
    for key, (label, fn) in facts.items():
        try:
            value = fn()
        except (DiagError, AttributeError, TypeError, ValueError):
            value = None  # the data is there but not what the fact needs: unknown, not a change
        if value is not None:
            out[key] = (label, value)
    return out


def compare(old, new) -> list[Change]:
    """The facts that differ between two sessions, in the order of :func:`snapshot`. A
    platform change is itself the first change (then little else compares)."""
    changes = []
    if old.platform != new.platform:
        changes.append(Change("platform", "the platform", old.platform, new.platform))
    a, b = snapshot(old), snapshot(new)
    for key, (label, value) in b.items():
        if key in a and a[key][1] != value:
            changes.append(Change(key, label, a[key][1], value))
    return changes
