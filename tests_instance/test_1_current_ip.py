"""Is the address Multipass reports the instance's current one? A cached, stale address sends
exec, shell and the user to an IP the instance no longer has (#3772, #5075, #3354)."""

from __future__ import annotations

import pytest

from mpdiag import host
from mpdiag.host.rules import instance as facts
from mpdiag.remedies import RESTART_DAEMON



@pytest.mark.check("instance.state.ip_current")
def test_reported_ip_is_current(check, instance):
    listing = check.fact(host.listing)
    if not listing.ok:
        check.skip(f"prerequisite instance.state.listed failed: {listing.failure}")
    inst = facts.find_instance(listing.instances, instance.name)
    if inst is None or not inst.running:
        check.skip(f"{instance.name} is not Running in `multipass list`: no address to compare")
    reported = facts.management_ip(inst)
    if reported is None:
        check.skip(f"Multipass reports no address for {instance.name} (see instance.state.running_with_ip)")
    evidence = check.fact(host.ip_evidence, instance.name)
    if evidence.ip == reported:
        return
    also = f" (it lists {', '.join(inst.ipv4)})" if len(inst.ipv4) > 1 else ""
    check.fail(f"Multipass reports {reported} for {instance.name}{also}, but {evidence.source} gives it "
               f"{evidence.ip}: the reported address is stale", reported=reported, current=evidence.ip,
               evidence=evidence.source, restart_daemon=RESTART_DAEMON[check.platform])
