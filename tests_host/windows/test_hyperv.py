"""The hypervisor itself: Hyper-V installed is not enough, it must be launched at boot."""

import pytest

from mpdiag.parse.unavailable import Denied


def _launch_type(check):
    """bcdedit's hypervisorlaunchtype, or None with why it is unknown (never skips the check)."""
    entry, why = check.attempt("bcdedit")
    if isinstance(entry, Denied):
        return None, entry.why
    if entry is None:
        return None, why
    return entry.get("hypervisorlaunchtype"), None


@pytest.mark.check("windows.hyperv.hypervisor_running")
def test_hypervisor_running(check, hyperv):
    launch, why = _launch_type(check)
    present, present_why = check.attempt("hypervisor_present")
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
