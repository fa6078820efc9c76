"""AppArmor denies Multipass nothing: no `apparmor="DENIED"` line of a Multipass profile (the
snap's, its dnsmasq's, an instance's QEMU) in this boot's kernel/audit journal."""

import pytest

from mpdiag.parse.unavailable import Absent, ToolMissing
from tests_host.linux.conftest import NOT_INSTALLED, multipass_installed

SHOWN = 3


@pytest.mark.check("linux.snap.apparmor")
def test_apparmor_denies_multipass_nothing(check):
    if not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    journal = check.probe("apparmor_journal")
    if isinstance(journal, ToolMissing):
        check.skip("journalctl is not installed (no systemd journal): AppArmor's denials cannot be read")
    if isinstance(journal, Absent):
        check.skip(f"no systemd journal to read on this host ({journal.why})")
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
