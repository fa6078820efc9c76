"""`multipass find` answers, and the proxy the launchd daemon really has (macOS)."""

import pytest

from mpdiag.host.rules.proxy import ProxyView
from tests_host.image_servers import judge, optional
from mpdiag.probes.egress import LAUNCHD_PLIST


@pytest.mark.check("macos.multipass.image_servers")
def test_image_servers_answer(check):
    daemon = optional(check, "launchd_proxy")
    where = f"EnvironmentVariables of {LAUNCHD_PLIST}" if daemon is not None else f"{LAUNCHD_PLIST} unreadable"
    judge(check, ProxyView(daemon, where, {"your shell's environment": optional(check, "shell_proxy_env") or {}}))
