"""multipassd's events (Event Viewer > Windows Logs > Application, source "Multipass") hold
none of the known failure signatures (mpdiag/host/rules/logs.py says which, and their class)."""

import pytest

from mpdiag.host.rules import logs
from mpdiag.parse.unavailable import Absent

READ_LOG = ("Get-WinEvent -ProviderName Multipass -MaxEvents 50 | "
            "Format-List TimeCreated,LevelDisplayName,Message")


@pytest.mark.check("windows.logs.known_errors")
def test_events_have_no_known_failure(check):
    events = check.probe("multipass_events")  # any other failure: error
    if isinstance(events, Absent):
        check.skip("no event source named Multipass is registered (Multipass not installed, or it never "
                   f"logged): {events.why}")
    if not events:
        return  # the source exists and logged nothing: no signature in it
    matches = logs.find_known_errors(events, "windows")
    if matches:
        f = logs.finding(matches, f"the Multipass events ({len(events)} read)", check.spec.problem_class,
                         READ_LOG)
        check.fail(f.found, **f.facts)
