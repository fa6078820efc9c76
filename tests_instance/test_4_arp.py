"""ARP problems: extra IPv4s of an instance (aliases, metallb) must answer ARP from the host.

On an instance the suite launched, the check adds an alias itself, asks for it from the host's
bridge with arping, and removes it. An attached instance is only read: its existing extra
addresses are asked for, and the check skips when it has none.
"""


import pytest

from fixtures.checks import CheckError
from mpdiag.errors import DiagError
from mpdiag.host.rules import instance as facts
from mpdiag.parse import iproute


def _host_interfaces(check) -> dict:
    """name -> IPv4 interfaces of the host (Linux: `ip -j -4 addr`; macOS: `ifconfig -a`)."""
    if check.platform == "linux":
        return {n: lk.addresses for n, lk in check.probe("host_ip_addr").items()}
    if check.platform == "macos":
        return {n: i.inet for n, i in check.probe("ifconfig").items()}
    check.skip(f"asking for an address with arping from the host is not available on {check.platform}")


def _bridge(check, instance_ip: str) -> str:
    found = facts.bridge_facing(_host_interfaces(check), instance_ip)
    if found is None:
        check.error(f"no host interface holds an address in {instance_ip}'s network: cannot tell the bridge")
    return found[0]


def _taken(check, instance) -> list[str]:
    """The addresses the alias must not take beside the link's own: the instances', the gateway."""
    try:
        listed = check.probe("multipass_list")
    except (CheckError, pytest.skip.Exception):
        listed = []
    return facts.taken_beside_the_link(listed, instance.gateway())


@pytest.mark.check("instance.arp.extra_ips")
def test_extra_ips_answer_arp(check, instance):
    inst = instance.require_running()
    link = instance.primary_link()
    if link is None:
        check.error(f"cannot tell {instance.name}'s primary interface from `ip addr` and `ip route`")
    mgmt = facts.management_ip(inst) or (str(link.addresses[0].ip) if link.addresses else None)
    if mgmt is None:
        check.error(f"{link.name} has no IPv4 address")
    extras = [str(a.ip) for a in iproute.extra_ipv4(link, mgmt)]
    added = None
    if instance.target.may_modify:
        alias = facts.arp_alias(link, mgmt, _taken(check, instance))
        if alias is None:
            check.error(f"no free address in {facts.alias_network(link, mgmt)} for a test alias")
        added, cidr = alias
        instance.probe("alias_add", cidr=cidr, dev=link.name)
        extras.append(added)
    elif not extras:
        check.skip(f"{instance.name} has no extra IPv4 on {link.name} and is only read (attached): "
                   "use --launch to test an alias on a throwaway instance")
    try:
        bridge = _bridge(check, mgmt)
        check.at_once(("arping_assigned", {"iface": bridge, "ip": mgmt}),
                      *(("arping", {"iface": bridge, "ip": ip}) for ip in extras))
        control = check.probe("arping_assigned", iface=bridge, ip=mgmt)
        answers = {ip: check.probe("arping", iface=bridge, ip=ip) for ip in extras}
    finally:
        if added is not None:
            try:
                instance.probe("alias_del", cidr=cidr, dev=link.name)
            except (CheckError, pytest.skip.Exception, DiagError):
                pass
    if not control.answered:
        check.error(f"arping from {bridge} gets no reply even from {instance.name}'s assigned address {mgmt}: "
                    "the probe itself does not work here, so the extra addresses cannot be judged")
    silent = [ip for ip, r in answers.items() if not r.answered]
    if silent:
        whose = "the alias the check added" if silent == [added] else "extra address(es)"
        check.fail(f"{', '.join(silent)} ({whose} on {instance.name}'s {link.name}) get no ARP reply on the host's "
                   f"{bridge}, while the assigned {mgmt} does: the bridge filters ARP for addresses it did not "
                   "assign", **instance.facts(bridge=bridge))
