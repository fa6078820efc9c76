"""Internet Connection Sharing: the service, and its hosts.ics name file.

Multipass reaches a Hyper-V instance as `<name>.mshome.net`, which ICS resolves from
C:\\Windows\\System32\\drivers\\etc\\hosts.ics. A missing file holds no entries (Windows
creates it with the first lease).
"""

import pytest

from mpdiag.parse.hosts_ics import duplicates
from mpdiag.parse.powershell import prop, service_status_name
from mpdiag.parse.unavailable import Absent
from mpdiag.remedies import RESTART_DAEMON


@pytest.mark.check("windows.ics.service")
def test_ics_service_running(check, hyperv):
    services = check.probe("ics_service")
    if isinstance(services, Absent):
        check.fail(f"there is no SharedAccess service ({services.why})")
    if not services:
        check.error("Get-Service SharedAccess printed nothing")
    svc = services[0]
    status = service_status_name(prop(svc, "Status")) or str(prop(svc, "Status"))
    if status != "Running":
        check.fail(f"the Internet Connection Sharing service (SharedAccess) is {status}: the Default Switch gets "
                   "no DHCP and no DNS")


@pytest.mark.check("windows.ics.hosts_single_entry")
def test_hosts_ics_one_entry_per_instance(check, hyperv):
    hosts = check.probe("hosts_ics")
    if isinstance(hosts, Absent):
        return  # no file (Windows creates it with the first lease): no entry, no duplicate
    dups = duplicates(hosts)
    if dups:
        parts = []
        for name, entries in dups.items():
            lines = ", ".join(f"line {e.line_no} ({e.ip})" for e in entries)
            parts.append(f"{name} has {len(entries)} entries: {lines}; keep line {entries[0].line_no}")
        first_name, first = next(iter(dups.items()))
        check.fail("hosts.ics: " + "; ".join(parts), instance=first_name,
                   lines="lines " + ", ".join(str(e.line_no) for e in first[1:]))


@pytest.mark.check("windows.ics.hosts_matches_instance")
def test_hosts_ics_matches_multipass(check, hyperv, instances):
    hosts = check.probe("hosts_ics")
    running = [i for i in instances if i.running]
    if not running:
        check.skip("no instance is Running: nothing to compare hosts.ics with")
    if isinstance(hosts, Absent):
        check.skip(f"hosts.ics does not exist, while {', '.join(i.name for i in running)} run(s): "
                   "nothing to compare (see instance.state.running_with_ip)")
    compared, stale, cached, unknown = [], [], [], []
    for inst in running:
        entries = hosts.by_instance(inst.name)
        if not entries:
            continue
        if not inst.ipv4:
            unknown.append(f"{inst.name} (hosts.ics line {entries[0].line_no}: {entries[0].ip})")
            continue
        compared.append(inst.name)
        if entries[0].ip in inst.ipv4[1:]:
            cached.append((inst, entries[0]))  # hosts.ics is right: Multipass lists its stale cache first (#3354)
        elif entries[0].ip != inst.ipv4[0]:
            stale.append((inst, entries[0]))
    if cached and not stale:
        inst, entry = cached[0]
        found = "; ".join(f"hosts.ics line {e.line_no} gives {i.name} {e.ip}, which Multipass lists only after "
                          f"{i.ipv4[0]}: the first is Multipass's stale cache, not a stale hosts.ics line"
                          for i, e in cached)
        check.fail(found, "instance.stale_ip", instance=inst.name, reported=inst.ipv4[0], current=entry.ip,
                   evidence=f"hosts.ics's entry for {inst.name}.mshome.net (line {entry.line_no})",
                   restart_daemon=RESTART_DAEMON["windows"])
    if stale:
        inst, entry = stale[0]
        found = "; ".join(f"hosts.ics line {e.line_no} says {i.name} is {e.ip}, Multipass says {i.ipv4[0]}"
                          for i, e in stale)
        check.fail(found, instance=inst.name, ics_ip=entry.ip, mp_ip=inst.ipv4[0])
    if not compared:
        why = f"Multipass shows no IPv4 for {', '.join(unknown)}" if unknown else \
            f"no Running instance ({', '.join(i.name for i in running)}) has a hosts.ics entry"
        check.skip(f"nothing to compare: {why}")


@pytest.mark.check("windows.ics.hosts_not_corrupted")
def test_hosts_ics_well_formed(check, hyperv):
    hosts = check.probe("hosts_ics")
    if isinstance(hosts, Absent):
        return  # no file: no fragment of one
    if hosts.malformed:
        lines = "; ".join(f"line {no}: {text.strip()!r}" for no, text in hosts.malformed)
        check.fail(f"hosts.ics has {len(hosts.malformed)} malformed line(s), fragments Windows left when it "
                   f"rewrote the file in place: {lines}")
