"""The host routes the instances' traffic: net.ipv4.ip_forward is 1."""

import pytest


@pytest.mark.check("linux.sysctl.ip_forward")
def test_ip_forward_on(check, bridges):
    value = check.probe("sysctl_ip_forward")
    if value != 1:
        check.fail(f"net.ipv4.ip_forward is {value}: the host does not route {bridges[0].name}'s "
                   f"({bridges[0].subnet}) traffic out", bridge=bridges[0].name)
