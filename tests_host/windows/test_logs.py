"""multipassd's events (Event Viewer > Windows Logs > Application, source "Multipass") hold
none of the known failure signatures (mpdiag/facts/logs.py says which, and their class)."""

import pytest

from mpdiag.facts import logs
from mpdiag.probes.windows import powershell_error

READ_LOG = ("Get-WinEvent -ProviderName Multipass -MaxEvents 50 | "
            "Format-List TimeCreated,LevelDisplayName,Message")


@pytest.mark.check("windows.logs.known_errors")
def test_events_have_no_known_failure(check):
    res = check.result("multipass_events")
    err = powershell_error(res)
    if err is not None:
        if "NoMatchingProvidersFound" in err.error_id or "event provider" in err.message.lower():
            check.skip("no event source named Multipass is registered (Multipass not installed, or it never "
                       f"logged): {err.message}")
        if "NoMatchingEventsFound" in err.error_id or "no events were found" in err.message.lower():
            return  # the source exists and logged nothing: no signature in it
    events = check.probe("multipass_events")  # any other failure: error
    if not events:
        return
    matches = logs.find_known_errors(events, "windows")
    if matches:
        f = logs.finding(matches, f"the Multipass events ({len(events)} read)", check.spec.problem_class,
                         READ_LOG)
        check.fail(f.found, **f.facts)
