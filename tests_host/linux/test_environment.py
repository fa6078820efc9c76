"""What the host is: bare metal or a VM, not WSL2 or an unprivileged container (checks.md,
"Today's Multipass"; mpdiag/host/rules/hostenv.py says why each matters)."""

import pytest

from mpdiag.host.rules.hostenv import classify
from mpdiag.parse.unavailable import ToolMissing
from tests_host.linux.conftest import NOT_INSTALLED, multipass_installed


@pytest.mark.check("linux.host.environment")
def test_host_is_not_wsl2_or_a_bare_container(check):
    if not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    virt = check.probe("detect_virt")
    virt = None if isinstance(virt, ToolMissing) else virt
    m = check.probe("host_markers")
    host = classify(virt, m)
    said = "; ".join(host.evidence)
    if host.kind in ("wsl1", "wsl2"):
        if host.kind == "wsl1":
            why = "WSL1 has no Linux kernel of its own: no KVM, no bridge, no netfilter for Multipass."
        elif host.networking_mode == "mirrored":
            why = (f"WSL2 with mirrored networking ({host.wslconfig}: networkingMode=mirrored): the host's "
                   "interfaces are Windows', and Multipass's dnsmasq cannot serve its bridge.")
        else:
            mode = (f"networkingMode={host.networking_mode} in {host.wslconfig}" if host.networking_mode else
                    f"no networkingMode in {host.wslconfig} (NAT)" if host.wslconfig else
                    "no .wslconfig readable under /mnt/c/Users (the mode is unknown)")
            why = (f"WSL2 ({mode}): Multipass runs nested inside WSL's own Hyper-V VM, with WSL's NAT between its "
                   "bridge and your LAN; a mirrored mode there breaks dnsmasq.")
        check.fail(f"this host is {host.name} ({said}). {why}", environment=host.name, why=why)
    if host.kind == "container":
        kvm = "/dev/kvm is there" if m.kvm else "no /dev/kvm"
        if m.net_admin is False:
            why = (f"a {host.name} container without CAP_NET_ADMIN (pid 1's bounding set lacks it; {kvm}): no "
                   "netlink to make Multipass's bridge, no iptables, no dnsmasq on it.")
            check.fail(f"this host is {why} ({said})", environment=f"a {host.name} container", why=why)
        caps = "CAP_NET_ADMIN" if m.net_admin else "unknown capabilities (CapBnd of /proc/1/status unreadable)"
        check.warn(f"this host is a {host.name} container ({said}) with {caps} and {kvm}: Multipass (a snap with "
                   "AppArmor, a bridge, QEMU) is made for a VM or bare metal; it may work here, but no upstream "
                   "support covers it", environment=f"a {host.name} container",
                   why=f"This host is a {host.name} container.")
