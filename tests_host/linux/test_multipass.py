"""Multipass itself on Linux: multipassd answers (the snap's service says why not)."""

import pytest

from tests_host.linux.conftest import NOT_INSTALLED, multipass_installed


@pytest.mark.check("linux.multipass.daemon")
def test_daemon_answers(check):
    if not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    version = check.probe("multipass_version")
    if version.daemon is not None:
        return
    found = f"`multipass version` printed only the client ({version.client}): multipassd did not answer"
    services, _ = check.attempt("snap_multipass")
    services = services or []
    daemon = next((s for s in services if s.name.endswith("multipassd")), None)
    if daemon is not None:
        found += f"; snap service {daemon.name} is {daemon.startup} and {daemon.current}"
    check.fail(found)
