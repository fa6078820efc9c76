"""Multipass itself on Windows: the daemon answers, the driver is Hyper-V, its port is free."""

import pytest

from mpdiag import host

from mpdiag.parse.netsh import range_containing
from mpdiag.probes.windows import MULTIPASSD_PORT


@pytest.mark.check("windows.multipass.daemon")
def test_daemon_answers(check):
    version = check.probe("multipass_version")
    if version.daemon is None:
        check.fail(f"`multipass version` printed only the client ({version.client}): multipassd did not answer "
                   f"on localhost:{MULTIPASSD_PORT}")


@pytest.mark.check("windows.multipass.driver")
def test_driver_is_of_the_hyperv_family(check):
    failed = check.failure("multipass_driver")
    if failed is not None and not failed.timed_out and failed.verb and "cannot connect" in failed.said:
        check.skip(f"`multipass get local.driver` failed ({failed.said}): the daemon is down, "
                   "see windows.multipass.daemon")
    driver = check.probe("multipass_driver")
    if check.fact(host.family) != "hyperv":
        check.skip(f"driver is {driver}, not of the Hyper-V family ({host.FAMILIES['hyperv']}): the Hyper-V checks "
                   "of the guide (Default Switch, ICS, hosts.ics, hypervisor) do not apply and are skipped "
                   "(informational)")


@pytest.mark.check("windows.multipass.port_not_excluded")
def test_daemon_port_not_excluded(check):
    ranges = check.probe("excluded_ports")
    found = range_containing(ranges, MULTIPASSD_PORT)
    if found:
        span = f"{found[0]}-{found[1]}"
        check.fail(f"TCP port {MULTIPASSD_PORT} (multipassd's address localhost:{MULTIPASSD_PORT}) lies in the "
                   f"excluded port range {span}: Windows will not let the daemon listen there",
                   range=span)
