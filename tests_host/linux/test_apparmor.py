"""AppArmor denies Multipass nothing: no `apparmor="DENIED"` line of a Multipass profile (the
snap's, its dnsmasq's, an instance's QEMU) in this boot's kernel/audit journal."""

import pytest

from tests_host.linux.conftest import NOT_INSTALLED, multipass_installed, tool_missing
from tests_host.linux.test_logs import NO_JOURNAL

SHOWN = 3


@pytest.mark.check("linux.snap.apparmor")
def test_apparmor_denies_multipass_nothing(check):
    if not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    res = check.result("apparmor_journal")
    if tool_missing(res):
        check.skip("journalctl is not installed (no systemd journal): AppArmor's denials cannot be read")
    if res.rc != 0 and any(m in res.error_text for m in NO_JOURNAL):
        check.skip(f"no systemd journal to read on this host ({res.error_text.splitlines()[0]})")
    journal = check.probe("apparmor_journal")
    if not journal.entries:
        check.skip("this boot's journal has no kernel or audit entries (no journald here, or it keeps none): "
                   "AppArmor's denials cannot be read")
    denials = [d for d in journal.denials if d.multipass]
    if not denials:
        return
    profiles = sorted({d.profile for d in denials})
    newest = denials[::-1][:SHOWN]
    check.fail(f"{len(denials)} AppArmor denial(s) of Multipass in this boot's journal "
               f"({', '.join(profiles)}); newest: " + "; ".join(d.describe() for d in newest),
               profile=", ".join(profiles), count=len(denials))
