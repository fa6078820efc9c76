"""What several Windows checks share: the driver gate, the instance list, the switch's address.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ipaddress

import pytest

from mpdiag.errors import DiagError
from mpdiag.facts.windows import adapter_ipv4
from mpdiag.probes.windows import powershell_error

HYPERV_DRIVERS = ("hyperv",)


@pytest.fixture
def hyperv(check) -> str:
    """Gate of the Hyper-V checks (Default Switch, HNS, ICS, hosts.ics, hypervisor).

    VirtualBox (or HEAD's `hyperv_api`) -> skip, saying why. A driver that cannot be
    read (daemon down, not recorded) is taken as `hyperv`, the default: the host
    side can still be diagnosed, and the daemon check says what is wrong with it.
    """
    try:
        driver = check.session.get("multipass_driver")
    except DiagError:
        driver = "hyperv"
    check.session.facts.setdefault("driver", driver)
    if driver not in HYPERV_DRIVERS:
        check.skip(f"driver is {driver}: the Hyper-V Default Switch / ICS checks of the guide do not apply "
                   "(see windows.multipass.driver)")
    return driver


@pytest.fixture
def instances(check):
    """`multipass list`: skipped when multipassd does not answer (windows.multipass.daemon fails then)."""
    version = check.probe("multipass_version")
    if version.daemon is None:
        check.skip("multipassd did not answer, so there is no instance list to compare "
                   "(see windows.multipass.daemon)")
    return check.probe("multipass_list")


@pytest.fixture
def switch_address(check) -> ipaddress.IPv4Interface | None:
    """The `vEthernet (Default Switch)` adapter's IPv4 with its prefix, None when it has
    none (no adapter, or only link-local 169.254/16). Records the Windows subnet in the
    session's facts. Not recorded -> skip; unreadable -> error."""
    res = check.result("default_switch_ip")
    err = powershell_error(res)
    if err is not None and err.is_not_found:
        return None
    usable = [a for a in adapter_ipv4(check.probe("default_switch_ip")) if not a.ip.is_link_local]
    if not usable:
        return None
    check.session.facts["subnet"] = str(usable[0].network)
    check.session.facts.setdefault("gateway", str(usable[0].ip))
    return usable[0]
