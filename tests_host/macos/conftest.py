"""What the macOS checks share, read from the host model (mpdiag.host): the driver family
gate, the instances, the live vmnet subnet.

`mac` wraps the running `check`: its methods read the model and probes (never commands)
and skip with the reason when a check does not apply (another driver, daemon down,
nothing running), so each test reads like the guide's step.
"""

from __future__ import annotations

import pytest

from mpdiag import host
from mpdiag.host.rules.macos import VmnetSubnet
from mpdiag.parse.multipass import Instance, Version


class MacHost:
    def __init__(self, check) -> None:
        self.check = check

    def version(self) -> Version:
        return self.check.probe("multipass_version")

    def daemon_up(self) -> bool:
        return self.version().daemon is not None

    def require_vmnet(self) -> None:
        """Skip unless the driver is of the vmnet family (qemu, applevz, hyperkit before 1.13).
        With the daemon down the driver cannot be asked: the default (qemu) is assumed."""
        self.check.require_family()

    def instances(self) -> list[Instance]:
        """Every instance; skip when multipassd does not answer (nothing to list)."""
        return self.check.fact(host.instances)

    def running(self, with_ip: bool = True) -> list[Instance]:
        """Running instances (that have an IPv4, unless with_ip is False)."""
        return [i for i in self.instances() if i.running and (i.ipv4 or not with_ip)]

    def active(self) -> list[Instance]:
        """Instances vmnet serves or should serve: neither stopped, suspended nor deleted
        (a Starting or Unknown one is still asking for a lease)."""
        return [i for i in self.instances() if i.state not in ("Stopped", "Suspended", "Suspending", "Deleted")]

    def require_running(self, why: str) -> list[Instance]:
        running = self.running()
        if not running:
            self.check.skip(f"no instance is Running with an IPv4 ({why}); start one "
                            f"(`multipass start`) and run again")
        return running

    def plist(self) -> dict | None:
        """com.apple.vmnet.plist: {} when the domain does not exist, None when not recorded."""
        return self.check.fact(host.vmnet_plist)

    def subnet(self, need_bridge: bool = False) -> VmnetSubnet:
        """The live vmnet subnet (bridge, else plist, else instances). Skips when nothing tells."""
        found = self.check.fact(host.vmnet)
        if found is None:
            self.check.skip("no vmnet subnet found: no vmnet bridge in ifconfig, no Shared_Net_Address, "
                            "no Running instance")
        if need_bridge and found.bridge is None:
            self.check.skip(f"no vmnet bridge exists (the subnet {found.network} comes from {found.source}): "
                            "vmnet creates it while an instance runs (see macos.vmnet.bridge_exists)")
        return found


@pytest.fixture
def mac(check) -> MacHost:
    """The macOS helpers for the running check."""
    return MacHost(check)
