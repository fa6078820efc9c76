"""The hypervisor itself: Hyper-V installed is not enough, it must be launched at boot."""

import pytest

from mpdiag.errors import DiagError
from mpdiag.probes.windows import bcdedit_denied


def _launch_type(check):
    """bcdedit's hypervisorlaunchtype, or None with why it is unknown (never skips the check)."""
    try:
        res = check.session.result("bcdedit")
    except DiagError as exc:
        return None, str(exc)
    if bcdedit_denied(res):
        return None, "bcdedit needs an elevated prompt (run the terminal as Administrator to see it)"
    try:
        entry = check.session.get("bcdedit")
    except DiagError as exc:
        return None, str(exc)
    check.result("bcdedit")  # shown with the check's probe outputs
    return entry.get("hypervisorlaunchtype"), None


@pytest.mark.check("windows.hyperv.hypervisor_running")
def test_hypervisor_running(check, hyperv):
    launch, why = _launch_type(check)
    try:
        present = check.session.get("hypervisor_present")
    except DiagError as exc:
        present = None
        present_why = str(exc)
    else:
        check.result("hypervisor_present")
    if present is False:
        detail = f"bcdedit says hypervisorlaunchtype {launch}" if launch else why
        check.fail(f"Win32_ComputerSystem.HypervisorPresent is False: Hyper-V's hypervisor is not running "
                   f"({detail})")
    if present is None:
        if launch and launch.lower() == "off":
            check.fail(f"bcdedit says hypervisorlaunchtype Off: the hypervisor is not launched at boot "
                       f"(HypervisorPresent unknown: {present_why})")
        check.skip(f"HypervisorPresent could not be read ({present_why}); "
                   + (f"bcdedit says hypervisorlaunchtype {launch}, which alone does not prove it runs"
                      if launch else f"nor bcdedit: {why}"))
    if launch and launch.lower() == "off":
        check.warn("the hypervisor runs now, but bcdedit says hypervisorlaunchtype Off: it will not start "
                   "after the next reboot")
