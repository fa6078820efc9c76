"""DNS problems (the guide's section: the shell works, the instance cannot reach the internet):
ping an IP, then ask the gateway's DNS, an external DNS, the instance's own resolver, and
look whether the answers are real."""

import pytest

from fixtures.checks import CheckError
from fixtures.target import MAX_LOSS_PERCENT, PING_EXTERNAL_ID, PING_GATEWAY_ID
from mpdiag.host.rules import instance as facts


def _stealth(check) -> str:
    """What the message says about macOS Stealth Mode (which drops ICMP)."""
    if check.platform != "macos":
        return f"not macOS: Stealth Mode does not apply on {check.platform}"
    state, _ = check.attempt("firewall_stealth")
    if state is None:
        return "Stealth Mode state unknown: `socketfilterfw --getstealthmode` did not say"
    if state.stealth is None:
        return "Stealth Mode state unknown"
    return "Stealth Mode is ON: turn it off for this test" if state.stealth else "Stealth Mode is off"


@pytest.mark.check("instance.net.ping_external")
def test_pings_an_external_ip(check, instance, pytestconfig):
    instance.require_running()
    target = pytestconfig.getoption("mp_external_ip")
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, definite=True)
    result = instance.probe("ping_external", ip=target)
    if result.received and result.loss_percent < MAX_LOSS_PERCENT:
        return
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID)
    stealth = _stealth(check)
    if result.received == 0:
        found = f"no reply from {target}: {result.summary()} ({stealth})"
    else:
        found = f"{result.loss_percent:.0f}% packet loss to {target}: {result.summary()} ({stealth})"
    check.fail(found, **instance.facts(target=target, stealth=stealth))


def _dig_check(check, instance, probe, server, name, prerequisites, remedy_facts):
    instance.skip_if_prerequisite_failed(*prerequisites, definite=True)
    result = instance.probe(probe, server=server, name=name)
    if result.resolved:
        return result
    instance.skip_if_prerequisite_failed(*prerequisites)
    check.fail(f"`dig @{server} {name}` from {instance.name}: {result.summary()}", **remedy_facts)


@pytest.mark.check("instance.dns.gateway")
def test_gateway_resolves(check, instance, pytestconfig):
    instance.require_running()
    gateway = instance.gateway()
    if gateway is None:
        check.skip(f"prerequisite {PING_GATEWAY_ID} failed: {instance.name} has no default route")
    name = pytestconfig.getoption("mp_probe_name")
    _dig_check(check, instance, "dig_gateway", gateway, name, (PING_GATEWAY_ID, PING_EXTERNAL_ID),
               instance.facts(server=gateway, name=name))


@pytest.mark.check("instance.dns.external")
def test_external_server_resolves(check, instance, pytestconfig):
    instance.require_running()
    server = pytestconfig.getoption("mp_external_dns")
    name = pytestconfig.getoption("mp_probe_name")
    _dig_check(check, instance, "dig_external", server, name, (PING_GATEWAY_ID, PING_EXTERNAL_ID),
               instance.facts(server=server, name=name))


@pytest.mark.check("instance.dns.resolver")
def test_own_resolver_resolves(check, instance, pytestconfig):
    instance.require_running()
    name = pytestconfig.getoption("mp_probe_name")
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, definite=True)
    addresses = instance.probe("resolve_name", name=name)
    if addresses:
        return
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, PING_EXTERNAL_ID)
    try:
        conf = instance.probe("resolv_conf").describe()
    except (CheckError, pytest.skip.Exception):
        conf = "/etc/resolv.conf unreadable"
    check.fail(f"{instance.name}'s own resolver cannot resolve {name} (`getent ahostsv4 {name}` found nothing; "
               f"{conf})", **instance.facts(name=name))


def _answers(check, instance, name, gateway, external):
    """Every answer any of the three ways got: (source, address)."""
    out = []
    asks = [("the instance's resolver", "resolve_name", {"name": name})]
    if gateway:
        asks.append((f"the gateway {gateway}", "dig_gateway", {"server": gateway, "name": name}))
    asks.append((f"{external}", "dig_external", {"server": external, "name": name}))
    for source, probe, params in asks:
        try:
            value = instance.probe(probe, **params)
        except (CheckError, pytest.skip.Exception):
            continue
        addresses = value if isinstance(value, tuple) else (value.answers if value.resolved else ())
        out += [(source, a) for a in addresses]
    return out


@pytest.mark.check("instance.dns.answers_sane")
def test_answers_are_not_intercepted(check, instance, pytestconfig):
    instance.require_running()
    name = pytestconfig.getoption("mp_probe_name")
    instance.skip_if_prerequisite_failed(PING_GATEWAY_ID, definite=True)
    try:
        gateway = instance.gateway()  # an exec failure skips here, as a failed prerequisite
    except CheckError:
        gateway = None
    answers = _answers(check, instance, name, gateway, pytestconfig.getoption("mp_external_dns"))
    if not answers:
        check.skip(f"prerequisite failed: no DNS check resolved {name} (see instance.dns.*), "
                   "so there is no answer to judge")
    for source, address in answers:
        why = facts.bogus_reason(address)
        if why:
            check.fail(f"{name} resolves to {address} through {source}: inside {why}",
                       **instance.facts(name=name, address=address, bogus=why))
