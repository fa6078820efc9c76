"""Multipass's dnsmasq: bound to the bridge address, serving DNS (53) and DHCP (67);
nothing else holds those ports on the bridge address or the wildcard."""

import pytest

from mpdiag.host.rules.linux import multipass_dnsmasq_pids, on_port, port_conflicts


def sockets_with_owners(check):
    """listening_sockets; skipped when a socket on 53/67 has no visible owner (no root)."""
    data = check.probe("listening_sockets")
    hidden = [s for s in data if s.port in (53, 67) and s.pid is None]
    if hidden:
        check.skip(f"the owners of {len(hidden)} socket(s) on port 53/67 are hidden "
                   f"({', '.join(s.address for s in hidden)}): psutil needs root to see other users' "
                   "processes; run pytest as root (sudo)")
    return data


@pytest.mark.check("linux.dnsmasq.serving")
def test_dnsmasq_serves_bridge(check, addressed_bridges):
    sockets = sockets_with_owners(check)
    problems, first_missing = [], None
    for b in addressed_bridges:
        ours = multipass_dnsmasq_pids(sockets, b)
        where = {b.ip, "0.0.0.0"}
        dns = [s for s in on_port(sockets, 53, "udp", where) if s.pid in ours]
        dhcp = [s for s in on_port(sockets, 67, "udp", where) if s.pid in ours]
        if dns and dhcp:
            continue
        missing = " and ".join(n for n, ok in (("DNS on udp 53", dns), ("DHCP on udp 67", dhcp)) if not ok)
        others = [s for s in on_port(sockets, 53, "udp", where | {"::"}) + on_port(sockets, 53, "tcp", where | {"::"})
                  + on_port(sockets, 67, "udp", where | {"::"}) if s.pid not in ours]
        first_missing = first_missing or f"no {missing}"
        holders = "; ".join(f"{s.owner} holds {s.proto} {s.address}" for s in others)
        if ours:
            found = f"dnsmasq (pid {', '.join(map(str, sorted(ours)))}) on {b.name} serves no {missing} at {b.ip}"
        else:
            found = f"no dnsmasq is bound to {b.name} ({b.ip}): no {missing}"
        problems.append(found + (f"; {holders}" if holders else ""))
    if problems:
        b = addressed_bridges[0]
        check.fail("; ".join(problems), bridge=b.name, missing=first_missing)


@pytest.mark.check("linux.ports.exclusive")
def test_ports_exclusive(check, addressed_bridges):
    sockets = sockets_with_owners(check)
    for b in addressed_bridges:
        ours = multipass_dnsmasq_pids(sockets, b)
        conflicts = port_conflicts(sockets, b, ours)
        hard = [c for c in conflicts if not c.coexists]
        if hard:
            c = hard[0]
            more = "".join(f"; also {x.socket.owner} on {x.socket.proto} {x.socket.address}" for x in hard[1:])
            check.fail(f"{c.socket.owner} holds {c.socket.proto} {c.socket.address} ({c.service}), where "
                       f"Multipass's dnsmasq must listen for {b.name} ({b.ip}){more}",
                       process=c.socket.name, pid=c.socket.pid, address=c.socket.ip, port=c.socket.port,
                       bridge=b.name)
        for c in conflicts:
            check.warn(f"{c.socket.owner} holds {c.socket.proto} {c.socket.address} ({c.service}) next to "
                       f"Multipass's dnsmasq on {b.name}: they coexist now, but dnsmasq may fail to bind "
                       "when either restarts",
                       process=c.socket.name, pid=c.socket.pid, address=c.socket.ip, port=c.socket.port,
                       bridge=b.name)
