"""Multipass itself on macOS: the daemon answers, the driver is the one the guide covers."""

import pytest


@pytest.mark.check("macos.multipass.daemon")
def test_daemon_answers(check):
    version = check.probe("multipass_version")
    if version.daemon is None:
        check.fail(f"`multipass version` printed only the client ({version.client}): multipassd did not answer")


@pytest.mark.check("macos.multipass.driver")
def test_driver_is_qemu(check):
    driver = check.probe("multipass_driver")
    if driver != "qemu":
        check.skip(f"driver is {driver}: the QEMU/vmnet checks of the guide do not apply (informational)")
