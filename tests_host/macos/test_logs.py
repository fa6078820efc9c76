"""multipassd's log (/Library/Logs/Multipass/multipassd.log, root only) holds none of the
known failure signatures (mpdiag/host/rules/logs.py says which, and their problem class)."""

import pytest

from mpdiag.host.rules import logs
from mpdiag.parse.unavailable import Absent, Denied

LOG = "/Library/Logs/Multipass/multipassd.log"
READ_LOG = f"sudo tail -n 200 {LOG}"


@pytest.mark.check("macos.logs.known_errors")
def test_log_has_no_known_failure(check):
    text = check.probe("multipassd_log")  # sudo asking for a password: skipped; other failures: error
    if isinstance(text, Absent):
        check.skip(f"{LOG} does not exist (Multipass not installed, or multipassd never logged)")
    if isinstance(text, Denied):
        check.skip(f"{LOG} cannot be read: {text.why}")
    lines = logs.log_lines(text)
    if not lines:
        check.skip(f"{LOG} is empty: no log to read")
    matches = logs.find_known_errors(lines, "macos")
    if matches:
        f = logs.finding(matches, f"multipassd.log ({len(lines)} line(s) read)", check.spec.problem_class,
                         READ_LOG)
        check.fail(f.found, **f.facts)
