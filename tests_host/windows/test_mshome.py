"""What the client connects to: `<instance>.mshome.net` resolves to the instance's address,
and its port 22 answers (mpdiag/parse/mshome.py says how the client does it)."""

import re

import pytest

from mpdiag.parse.mshome import NAME_ERRORS, TIMEOUTS
from mpdiag.probes.windows import powershell_error

INSTANCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")   # Multipass's rule; the probe quotes it


@pytest.mark.check("windows.ics.name_resolves")
def test_mshome_name_resolves_and_answers(check, hyperv, instances):
    running = [i for i in instances if i.running and i.ipv4 and INSTANCE_NAME.match(i.name)]
    if not running:
        check.skip("no Running instance with an IPv4: nothing whose name the client would resolve")
    for inst in running:
        name, ip = f"{inst.name}.mshome.net", inst.ipv4[0]
        err = powershell_error(check.result("mshome_resolve", name=inst.name))
        said = f"{err.error_id or err.category}: {err.message}" if err is not None else ""
        if err is not None and any(t in said for t in NAME_ERRORS):
            problem = f"{name} does not resolve ({said}) while Multipass says {inst.name} is {ip}."
            check.fail(problem, instance=inst.name, problem=problem)
        if err is not None and any(t.lower() in said.lower() for t in TIMEOUTS):
            problem = f"resolving {name} timed out ({said}) while Multipass says {inst.name} is {ip}."
            check.fail(problem, instance=inst.name, problem=problem)
        answers = check.probe("mshome_resolve", name=inst.name)
        if ip not in answers:
            got = ", ".join(answers) or "no A record"
            problem = f"{name} resolves to {got}, but Multipass says {inst.name} is {ip} (a stale hosts.ics entry)."
            check.fail(problem, instance=inst.name, problem=problem)
        tcp = check.probe("mshome_ssh", name=inst.name)
        if not tcp.connected:
            why = tcp.error or "no answer within 3 s"
            problem = f"{name} resolves to {ip}, but its port 22 does not answer ({why})."
            check.fail(problem, instance=inst.name, problem=problem)
