"""Port proxies (`netsh interface portproxy`) users add to expose an instance: a rule whose
target is in the Default Switch's subnet but belongs to no current instance forwards into
nothing (Hyper-V instances get new addresses; deleted ones keep their rules)."""

import ipaddress

import pytest

from mpdiag.parse.hosts_ics import SUFFIX


@pytest.mark.check("windows.portproxy.no_stale_rules")
def test_no_stale_portproxy_rules(check, hyperv, instances, switch_address):
    rules = check.probe("portproxy")
    if switch_address is None:
        check.skip("the Default Switch's adapter has no IPv4 (see windows.switch.exists), so no rule can be "
                   "told to point into its subnet")
    subnet = switch_address.network
    names = {i.name.lower() for i in instances}
    known = {ip for i in instances for ip in i.ipv4}
    hosts, _ = check.attempt("hosts_ics")  # hosts.ics only widens what counts as an instance's address
    if hosts:  # (absent: falsy) a Stopped instance shows no IPv4; its hosts.ics entry still names it
        known |= {e.ip for e in hosts.entries if e.instance in names}
    stale = []
    for rule in rules:
        target = rule.connect_address
        if target.lower().endswith(SUFFIX):
            if target.lower()[: -len(SUFFIX)] not in names:
                stale.append(rule)
            continue
        try:
            ip = ipaddress.ip_address(target)
        except ValueError:
            continue
        if ip in subnet and ip != switch_address.ip and target not in known:
            stale.append(rule)
    if stale:
        found = "; ".join(f"{r.listen_address}:{r.listen_port} -> {r.connect_address}:{r.connect_port} ({r.kind})"
                          for r in stale)
        first = stale[0]
        check.fail(f"{len(stale)} portproxy rule(s) point into the Default Switch subnet {subnet} at an address "
                   f"no instance has: {found}",
                   address=first.connect_address, port=first.listen_port, listen=first.listen_address)
