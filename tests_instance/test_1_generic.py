"""Generic networking problems, seen from the instance side: does it launch, run, get an IPv4?"""

from __future__ import annotations

import ipaddress

import pytest

from fixtures.checks import CheckError
from fixtures.target import no_ip_is_normal
from mpdiag import host
from mpdiag.host.rules import instance as facts

LAUNCH_ID = "instance.launch.gets_ip"


def _launch_failure(check, target) -> str | None:
    """What went wrong with this session's launch, None when it worked (or was not ours)."""
    if target is None or not target.launched:
        return None
    failed = check.failure("multipass_launch")
    if failed is None:
        return None
    if failed.timed_out:
        return "`multipass launch` did not finish within --launch-timeout + 30 s"
    return f"`multipass launch` failed (exit {failed.rc}): {' '.join(failed.said.split())[-600:]}"


@pytest.mark.launches
@pytest.mark.check(LAUNCH_ID)
def test_launched_instance_gets_ipv4(check):
    target = check.launched_target(" (launches a throwaway instance, deleted and purged afterwards)")
    problem = _launch_failure(check, target)
    if problem:
        check.fail(f"{problem}. The instance got no usable address: the generic networking problems",
                   instance=target.name)
    inst = facts.find_instance(check.probe("multipass_list"), target.name)
    if inst is None:
        check.fail(f"`multipass launch` said it launched {target.name}, but `multipass list` does not show it",
                   instance=target.name)
    if not facts.management_ip(inst):
        check.fail(f"{target.name} launched but is {inst.state} with no IPv4 in `multipass list`",
                   instance=target.name)


@pytest.mark.check("instance.state.listed")
def test_multipass_lists_its_instances(check):
    listing = check.fact(host.listing)
    if not listing.ok:
        check.fail(f"{listing.failure}: Multipass cannot tell its instances' states and addresses",
                   said=listing.failure)


@pytest.mark.check("instance.state.running_with_ip")
def test_running_with_ipv4_in_subnet(check, instance):
    name = instance.name
    if instance.target.launched and _launch_failure(check, instance.target):
        check.skip(f"prerequisite {LAUNCH_ID} failed: nothing more to learn from {name}'s state")
    listing = check.fact(host.listing)
    if not listing.ok:
        check.skip(f"prerequisite instance.state.listed failed: {listing.failure}")
    listed = listing.instances
    inst = facts.find_instance(listed, name)
    if inst is None:
        known = ", ".join(i.name for i in listed) or "none"
        check.skip(f"{name} does not exist (`multipass list` shows: {known}); pass --instance NAME or --launch")
    if inst.state in ("Stopped", "Suspended", "Suspending", "Deleted"):
        check.skip(f"{name} is {inst.state}: start it (`multipass start {name}`) to check it from inside")
    if not inst.running:
        check.fail(f"{name} is {inst.state}, not Running (Unknown: Multipass timed out waiting for its address)",
                   **instance.facts())
    ip = facts.management_ip(inst)
    if ip is None and no_ip_is_normal(check):
        check.skip(f"{name} runs on the {no_ip_is_normal(check)} driver, whose NAT address Multipass "
                   "never reports (N/A): the host reaches it through a port forward, so there is no address to check")
    if ip is None:
        check.fail(f"{name} is Running but Multipass reports no IPv4 for it (`multipass list` shows N/A, [] "
                   "or --): it got no DHCP lease", **instance.facts())
    odd = facts.implausible_ip(ip)
    if odd:
        check.fail(f"{name}'s address {ip} is {odd}", **instance.facts())
    subnet = check.known(host.subnet)
    if subnet is not None:
        if ipaddress.IPv4Address(ip) not in subnet:
            check.fail(f"{name}'s address {ip} is outside the live subnet {subnet} (the host's bridge): "
                       "a stale lease, or another DHCP server answered", **instance.facts())
        return
    # No host check found the subnet: the instance's own interfaces tell whether the address is real.
    try:
        links = instance.links()
    except (CheckError, pytest.skip.Exception):
        return  # exec does not work: instance.shell.reachable reports it; the address itself is fine
    holder = next((lk for lk in links.values() if lk.has(ip)), None)
    if holder is None:
        have = ", ".join(str(a) for lk in links.values() for a in lk.addresses if not a.ip.is_loopback) or "none"
        check.fail(f"Multipass reports {ip} for {name}, but the instance's interfaces have {have}: "
                   "a stale address (lease or hosts.ics)", **instance.facts())
