"""`multipass find` answers, and the proxy the snap's daemon really has (Linux)."""

import pytest

from mpdiag.host.rules.proxy import ProxyView
from tests_host.image_servers import judge, optional
from tests_host.linux.conftest import NOT_INSTALLED, multipass_installed


@pytest.mark.check("linux.multipass.image_servers")
def test_image_servers_answer(check):
    if not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    environ = optional(check, "multipassd_environ")
    snap = optional(check, "snap_proxy")
    if environ is not None:
        daemon, where = environ, "the running multipassd's environment (/proc/<pid>/environ)"
    elif snap is not None:
        daemon = {k.replace("proxy.", "") + "_proxy": v for k, v in snap.items()}
        where = "the snap's options proxy.http/proxy.https, which launch-multipassd exports"
    else:
        daemon, where = None, "no multipassd process and no snap options to read"
    elsewhere = {"your shell's environment": optional(check, "shell_proxy_env") or {},
                 "/etc/environment": optional(check, "etc_environment") or {}}
    judge(check, ProxyView(daemon, where, elsewhere))
