"""multipassd's journal (`journalctl --unit 'snap.multipass*'`, root) holds none of the
known failure signatures (mpdiag/host/rules/logs.py says which, and their problem class)."""

import pytest

from mpdiag import host
from mpdiag.host.rules import logs
from mpdiag.parse.unavailable import Absent, ToolMissing
from tests_host.linux.conftest import NOT_INSTALLED, multipass_installed

READ_LOG = "sudo journalctl --unit 'snap.multipass*' --no-pager -n 200"


@pytest.mark.check("linux.logs.known_errors")
def test_journal_has_no_known_failure(check):
    if not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    driver = check.known(host.driver)
    if driver is not None and driver != "qemu":
        check.skip(f"driver is {driver}: the Linux host checks (and these signatures: dnsmasq, the bridge's "
                   "firewall rules) are the QEMU driver's")
    text = check.probe("multipassd_journal")  # sudo asking for a password: skipped; other failures: error
    if isinstance(text, ToolMissing):
        check.skip("journalctl is not installed (no systemd journal): multipassd's log cannot be read")
    if isinstance(text, Absent):
        check.skip(f"no systemd journal to read on this host ({text.why})")
    lines = logs.log_lines(text)
    if not lines:
        check.skip("the journal has no entries for snap.multipass* (Multipass not installed as a snap, or the "
                   "journal was rotated or is not persistent)")
    matches = logs.find_known_errors(lines, "linux")
    if matches:
        f = logs.finding(matches, f"multipassd's journal ({len(lines)} line(s) read)", check.spec.problem_class,
                         READ_LOG)
        check.fail(f.found, **f.facts)
