"""Multipass itself on macOS: the daemon answers, the driver is the one the guide covers,
the release is new enough for this macOS."""

import pytest

from mpdiag import host


# (macOS major, minimum Multipass, why): macOS 15 leases carry `ff,<DUID>` and no MAC,
# so Multipass up to 1.14.0 never finds the IP; macOS 26 moved vmnet to 192.168.2.0/24.
MINIMUM = (
    (26, (1, 16, 2), "macOS 26 moved vmnet's default subnet to 192.168.2.0/24, where it collides with home LANs; "
                     "Multipass 1.16.2+ uses 192.168.252.0/24 instead"),
    (15, (1, 14, 1), "macOS 15 writes DHCP leases with `ff,<DUID>` and no MAC, so Multipass up to 1.14.0 never "
                     "finds the instance's IP (instances stay Unknown, `timed out waiting for response`); 1.14.1+ "
                     "reads `arp -an`"),
)


@pytest.mark.check("macos.multipass.daemon")
def test_daemon_answers(check):
    version = check.probe("multipass_version")
    if version.daemon is None:
        check.fail(f"`multipass version` printed only the client ({version.client}): multipassd did not answer")


@pytest.mark.check("macos.multipass.driver")
def test_driver_is_of_the_vmnet_family(check, mac):
    if not mac.daemon_up():
        check.skip("multipassd does not answer, so `multipass get local.driver` cannot (see macos.multipass.daemon)")
    driver = check.probe("multipass_driver")
    if check.fact(host.family) != "vmnet":
        check.skip(f"driver is {driver}, not of the vmnet family ({host.FAMILIES['vmnet']}): the vmnet/bootpd "
                   "checks of the guide do not apply and are skipped (informational)")


@pytest.mark.check("macos.multipass.version_fits_os")
def test_version_fits_macos(check, mac):
    mac.require_vmnet()
    macos = check.probe("sw_vers")
    version = mac.version()
    number = version.number
    if number is None:
        check.error(f"cannot read a version number from {version.daemon or version.client!r}")
    shown = version.daemon or version.client
    for major, minimum, why in MINIMUM:
        if macos.major >= major and number < minimum:
            need = ".".join(map(str, minimum))
            check.fail(f"Multipass {shown} on {macos.product_name} {macos.version}: {major}+ needs {need} or later",
                       why=f"{why}. Upgrade to {need} or later.")
