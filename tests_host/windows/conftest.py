"""What several Windows checks share, read from the host model (mpdiag.host): the driver
family gate, the instance list, the Default Switch's address.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ipaddress

import pytest

from mpdiag import host


@pytest.fixture
def hyperv(check) -> str:
    """Gate of the Hyper-V checks (Default Switch, HNS, ICS, hosts.ics, hypervisor): the
    Hyper-V family (hyperv, the HCS driver hyperv_api). VirtualBox -> skip, saying why. A
    driver that cannot be read (daemon down, not recorded) is taken as hyperv, the default."""
    return check.require_family()


@pytest.fixture
def instances(check):
    """`multipass list`: skipped when multipassd does not answer (windows.multipass.daemon fails then)."""
    return check.fact(host.instances)


@pytest.fixture
def switch_address(check) -> ipaddress.IPv4Interface | None:
    """The `vEthernet (Default Switch)` adapter's IPv4 with its prefix, None when it has none
    (no adapter, or only link-local 169.254/16). Not recorded -> skip; unreadable -> error."""
    return check.fact(host.switch_address)
