"""`multipass find` answers, and the proxy the Multipass service really has (Windows)."""

import pytest

from mpdiag.host.rules.proxy import ProxyView
from tests_host.image_servers import judge, optional


@pytest.mark.check("windows.multipass.image_servers")
def test_image_servers_answer(check):
    daemon = optional(check, "machine_proxy_env")
    where = ("the machine environment (HKLM Session Manager\\Environment)" if daemon is not None
             else "the machine environment could not be read")
    judge(check, ProxyView(daemon, where, {"your user environment": optional(check, "shell_proxy_env") or {}},
                           case_insensitive=True))
