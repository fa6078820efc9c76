"""A bridged instance's extra NIC (`--network`, `--bridged`, `local.<i>.bridged=true`) has an
IPv4 from the bridged LAN (routing: the instance is on a network the user expects to reach it on)."""

from __future__ import annotations

import pytest

from mpdiag import host
from mpdiag.host.rules import instance as facts


@pytest.mark.check("instance.bridged.nic_configured")
def test_bridged_nic_has_an_address(check, instance):
    if not check.fact(host.instance_bridged, instance.name):
        check.skip(f"{instance.name} is not bridged (`multipass get local.{instance.name}.bridged` is false)")
    failed = check.failure("multipass_info")
    if failed is not None and not failed.timed_out and failed.verb:
        # info needs SSH like exec: the daemon's own words, the shell check's finding
        check.skip(f"`multipass info` cannot show {instance.name}'s NICs: {failed.words} "
                   "(see instance.shell.reachable)")
    info = check.probe("multipass_info").get(instance.name)
    if info is None or not info.running:
        check.skip(f"{instance.name} is not Running in `multipass info`: its NICs cannot be seen")
    management = facts.management_ip(info)
    # the guest's own view names the bare NIC; without it (exec fails, not recorded) `info` tells
    links, _ = check.attempt("ip_addr", instance.name) if management else (None, None)
    if links:
        extra = [l for name, l in sorted(links.items())
                 if name != "lo" and not any(str(a.ip) == management for a in l.addresses)]
        bare = [l for l in extra if not l.addresses]
        if bare:
            names = ", ".join(f"{l.name} ({l.mac or 'no MAC'}, {'UP' if l.up else 'DOWN'})" for l in bare)
            check.fail(f"{instance.name} is bridged but {names} has no IPv4 address (`ip addr` inside it); "
                       f"Multipass reports {', '.join(info.ipv4) or 'no address'}")
        if extra:
            return
    if len(info.ipv4) < 2:
        check.fail(f"{instance.name} is bridged but `multipass info` reports only "
                   f"{management or 'no address'}: its extra NIC has no IPv4")
