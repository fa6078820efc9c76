"""`multipass find` answers, and the proxy the launchd daemon really has (macOS).

Unconfirmed (multipass-networking-2026.md §6.2): that the plist's EnvironmentVariables reach the
daemon, and whether Qt falls back to the macOS system proxy/PAC when `http_proxy` is unset (#2325
saw a PAC run on 1.8). The check reports the plist's variables as the daemon's proxy and judges
`find`'s own answer, which holds either way."""

import pytest

from mpdiag.host.rules.proxy import ProxyView
from tests_host.image_servers import judge, optional
from mpdiag.probes.egress import LAUNCHD_PLIST


@pytest.mark.check("macos.multipass.image_servers")
def test_image_servers_answer(check):
    daemon = optional(check, "launchd_proxy")
    where = f"EnvironmentVariables of {LAUNCHD_PLIST}" if daemon is not None else f"{LAUNCHD_PLIST} unreadable"
    judge(check, ProxyView(daemon, where, {"your shell's environment": optional(check, "shell_proxy_env") or {}}))
