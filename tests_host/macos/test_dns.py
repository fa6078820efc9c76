"""The guide's DNS problems: only mDNSResponder holds port 53, and the bridge gateway
(Internet Sharing's DNS) answers."""

import pytest

from mpdiag import host
from mpdiag.host.rules import macos as facts


@pytest.mark.check("macos.dns.port53_exclusive")
def test_only_mdnsresponder_on_53(check, mac):
    mac.require_vmnet()
    squatters = facts.port53_squatters(check.probe("lsof_port53"))
    if not squatters:
        return  # mDNSResponder only, or nothing at all (fine while no instance runs)
    procs = check.optional("processes") or []
    first = squatters[0]
    key = facts.tool_for_lsof_command(first.command, procs, first.pid)
    full = next((p.get("name") for p in procs if p.get("pid") == first.pid and p.get("name")), first.command)
    bridge = check.known(host.bridge) or "bridge100"
    rows = facts.describe_all(squatters)
    check.fail(f"port 53 is held by something other than mDNSResponder: {rows}",
               process=full, pid=first.pid, address=f"{first.address}:53",
               tool_fix=facts.port53_fix(key, full, bridge))


@pytest.mark.check("macos.dns.gateway_answers")
def test_gateway_answers_dns(check, mac, request):
    mac.require_vmnet()
    subnet = mac.subnet(need_bridge=True)
    name = request.config.getoption("mp_probe_name")
    answer = check.probe("dns_gateway", server=str(subnet.gateway), name=name)
    if not isinstance(answer, dict):
        check.error(f"dns_gateway returned {answer!r}")
    server = answer.get("server") or subnet.gateway
    if answer.get("error"):
        check.fail(f"the gateway {server}:53 on {subnet.bridge} did not answer `A {answer.get('name', name)}` "
                   f"({answer['error']}): Internet Sharing's DNS (mDNSResponder) is broken")
    rcode = answer.get("rcode")
    if rcode != "NOERROR":
        check.fail(f"the gateway {server}:53 answered `A {answer.get('name', name)}` with {rcode}")
    if not answer.get("answers"):
        check.fail(f"the gateway {server}:53 answered `A {answer.get('name', name)}` with no address")
