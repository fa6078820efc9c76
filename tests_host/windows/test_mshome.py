"""What the client connects to: `<instance>.mshome.net` resolves to the instance's address,
and its port 22 answers (mpdiag/parse/mshome.py says how the client does it)."""

import re

import pytest

from mpdiag.instances import LAUNCH_PREFIX
from mpdiag.parse.unavailable import Absent

INSTANCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")   # Multipass's rule; the probe quotes it


@pytest.mark.check("windows.ics.name_resolves")
def test_mshome_name_resolves_and_answers(check, hyperv, instances):
    # the doctor's own throwaway instance (`--launch`, mpdiag-<hex>) is the launch checks' business
    running = [i for i in instances if i.running and i.ipv4 and INSTANCE_NAME.match(i.name)
               and not i.name.startswith(LAUNCH_PREFIX + "-")]
    if not running:
        check.skip("no Running instance with an IPv4 (the doctor's own --launch instance aside): nothing whose name "
                   "the client would resolve")
    for inst in running:
        name, ip = f"{inst.name}.mshome.net", inst.ipv4[0]
        answers = check.probe("mshome_resolve", name=inst.name)
        if isinstance(answers, Absent):   # the name does not exist, or no DNS server answered in time
            problem = (f"{name} does not resolve (Resolve-DnsName: {answers.why}) while Multipass says {inst.name} "
                       f"is {ip}.")
            check.fail(problem, instance=inst.name, problem=problem)
        if not set(answers) & set(inst.ipv4):   # any address Multipass reports (a stale cache lists the new one too)
            got = ", ".join(answers) or "no A record"
            problem = (f"{name} resolves to {got}, but Multipass reports {inst.name} at {', '.join(inst.ipv4)}: "
                       "the client connects to an address that is not the instance's (a stale hosts.ics entry).")
            check.fail(problem, instance=inst.name, problem=problem)
        tcp = check.probe("mshome_ssh", name=inst.name)
        if not tcp.connected:
            why = tcp.error or "no answer within 3 s"
            problem = f"{name} resolves to {ip}, but its port 22 does not answer ({why})."
            check.fail(problem, instance=inst.name, problem=problem)
