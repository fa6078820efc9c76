"""What the macOS checks share: the driver gate, the instances, the live vmnet subnet.

`mac` wraps the running `check`: its methods read probes (never commands) and skip
with the reason when a check does not apply (other driver, daemon down, nothing
running), so each test reads like the guide's step.
"""

from __future__ import annotations

from typing import Any

import pytest

from mpdiag.facts import macos as facts
from mpdiag.facts.macos import VmnetSubnet
from mpdiag.parse.multipass import Instance, Version


class MacHost:
    def __init__(self, check) -> None:
        self.check = check

    # -- probes ------------------------------------------------------------------------

    def optional(self, name: str, **params: Any) -> Any | None:
        """A probe's value, or None when it is not recorded / needs root (unreadable
        output or a failed command still make the check an error)."""
        try:
            return self.check.probe(name, **params)
        except pytest.skip.Exception:
            return None

    def version(self) -> Version:
        return self.check.probe("multipass_version")

    def daemon_up(self) -> bool:
        return self.version().daemon is not None

    def require_qemu(self) -> None:
        """Skip unless the driver is qemu (the architecture the guide covers). With the
        daemon down the driver cannot be asked: the default (qemu) is assumed."""
        if not self.daemon_up():
            return
        driver = self.check.probe("multipass_driver")
        if driver != "qemu":
            self.check.skip(f"the driver is {driver}, not qemu: this QEMU/vmnet check of the guide does not "
                            f"apply (`multipass get local.driver`)")

    def instances(self) -> list[Instance]:
        """Every instance; skip when multipassd does not answer (nothing to list)."""
        if not self.daemon_up():
            self.check.skip("multipassd does not answer, so the instances are unknown (see macos.multipass.daemon)")
        return self.check.probe("multipass_list")

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
        try:
            res = self.check.result("vmnet_plist")
        except pytest.skip.Exception:
            return None
        if res.rc != 0 and "does not exist" in res.error_text:
            return {}
        return self.check.probe("vmnet_plist")

    # -- the subnet --------------------------------------------------------------------

    def subnet(self, need_bridge: bool = False) -> VmnetSubnet:
        """The live vmnet subnet (bridge, else plist, else instances); stored in the
        session's facts for the report. Skips when nothing tells it."""
        ifaces = self.optional("ifconfig")
        version = self.version()
        instances: list[Instance] = []
        if version.daemon is not None:
            instances = self.optional("multipass_list") or []
        plist = self.plist()
        found = facts.live_subnet(ifaces, plist, instances, version.number)
        if found is None:
            self.check.skip("no vmnet subnet found: no vmnet bridge in ifconfig, no Shared_Net_Address, "
                            "no Running instance")
        self.check.session.facts.setdefault("subnet", str(found.network))
        if found.bridge:
            self.check.session.facts.setdefault("bridge", found.bridge)
        if need_bridge and found.bridge is None:
            self.check.skip(f"no vmnet bridge exists (the subnet {found.network} comes from {found.source}): "
                            "vmnet creates it while an instance runs (see macos.vmnet.bridge_exists)")
        return found


@pytest.fixture
def mac(check) -> MacHost:
    """The macOS helpers for the running check."""
    return MacHost(check)
