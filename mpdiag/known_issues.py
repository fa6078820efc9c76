"""Known upstream bugs, as data in one place, and the match against one run.

A known issue matches a run when all four agree: the platform and OS version range,
the Multipass version range (before the fixing release; from the first affected one),
the driver, and a failing check or a log signature the run's `<platform>.logs.known_errors`
found. A fact the run does not know (no OS version, no driver) matches nothing: a known
issue is named only on evidence.

Entries come from checks.md ("Known issues", after "Today's Multipass") and the release
table of ../shared/reference/multipass-networking-2026.md (section 8 and the stale-IP
table of section 7). Pure: the diagnosis record in, a list of plain dicts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

ISSUES = "https://github.com/canonical/multipass/issues/"
Version = tuple  # (major, minor, patch), ints


@dataclass(frozen=True)
class KnownIssue:
    """One upstream bug: where it bites, what shows it, which release fixes it (None: open)."""

    issue: int
    title: str
    platform: str                  # macos | windows | linux
    drivers: tuple[str, ...]       # the drivers it bites on
    checks: tuple[str, ...]        # any of these failing shows it
    signatures: tuple[str, ...] = ()   # or any of these log signatures (mpdiag/host/rules/logs.py labels)
    os_from: Version | None = None     # OS version range, inclusive start
    os_below: Version | None = None    # exclusive end
    multipass_from: Version | None = None  # first affected release
    fixed_in: str | None = None        # the release that fixes it; None: open
    note: str = ""                     # what the user does, and what is unconfirmed

    @property
    def url(self) -> str:
        return f"{ISSUES}{self.issue}"

    @property
    def status(self) -> str:
        return f"fixed in {self.fixed_in}" if self.fixed_in else "open (no fixing release yet)"


def _v(text: str) -> Version:
    return tuple(int(p) for p in text.split("."))


KNOWN: tuple[KnownIssue, ...] = (
    KnownIssue(3661, "macOS 15 (Sequoia) leases carry `ff,<DUID>` and no MAC: Multipass up to 1.14.0 never finds "
               "the instance's IP (instances stay Unknown)", "macos", ("qemu",),
               ("macos.multipass.version_fits_os", "instance.state.running_with_ip", "instance.launch.gets_ip"),
               ("Could not determine IP address", "timed out waiting for response"),
               os_from=(15,), fixed_in="1.14.1",
               note="upgrade Multipass to 1.14.1 or later (it reads `arp -an` instead of dhcpd_leases)"),
    KnownIssue(4383, "macOS: vmnet's subnet collides with the LAN (macOS 26 moved it to 192.168.2.0/24, a common "
               "home LAN; duplicate ARP entries): 1.16.2 puts instances on 192.168.252.0/24 (PR #4686)", "macos",
               ("qemu",),
               ("macos.multipass.version_fits_os", "macos.vmnet.subnet_collision", "macos.route.subnet_on_bridge"),
               os_from=(26,), fixed_in="1.16.2",
               note="upgrade Multipass to 1.16.2 or later (the macOS 26 link is checks.md's; the reference ties "
                    "#4383 and PR #4686 to 1.16.2's subnet change)"),
    KnownIssue(3354, "Hyper-V: after a restart Multipass keeps the instance's old address first (old + new IP); "
               "1.16.2 refreshes the cached IP on every state update (#4207)", "windows", ("hyperv",),
               ("windows.ics.hosts_matches_instance", "instance.state.ip_current"),
               fixed_in="1.16.2", note="upgrade Multipass to 1.16.2 or later; until then restart multipassd"),
    KnownIssue(3772, "macOS QEMU: a guest's IP change goes unnoticed, the first `arp -an` match stays cached until "
               "shutdown", "macos", ("qemu",), ("instance.state.ip_current",),
               multipass_from=(1, 14, 1),
               note="open; restarting multipassd re-reads the address"),
    KnownIssue(5075, "AppleVZ: `management_ip` is cached and never cleared, not even on stop: after a lease change "
               "exec/shell time out and `list` shows the old IP", "macos", ("applevz",),
               ("instance.state.ip_current", "instance.shell.reachable"),
               note="open (AppleVZ is unreleased, Multipass main); only a daemon restart recovers"),
    KnownIssue(2726, "Linux without NetworkManager (Ubuntu Server): Multipass cannot create the bridge for "
               "`--network`/`--bridged` (`Could not create bridge. Could not reach remote D-Bus object`)",
               "linux", ("qemu",), ("linux.bridged.networkmanager",), ("Could not create bridge",),
               multipass_from=(1, 15, 0),
               note="no fixing release known (unconfirmed whether one is planned); workaround: make the bridge "
                    "with netplan and pass it by name"),
)


# ---- the facts of a run -------------------------------------------------------------------

def multipass_version(text: str | None) -> Version | None:
    """`1.14.0+mac`, `multipass 1.16.3`, `1.17.0-dev.1412+g1e2d3c4.mac` -> (1, 14, 0)... or None."""
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(g) for g in m.groups()) if m else None


def os_version(platform: str, text: str | None) -> Version | None:
    """The OS release the run reports: `macOS 15.1` -> (15, 1); Windows/Linux: the first dotted number."""
    if not text:
        return None
    if platform == "macos":
        m = re.search(r"(?:macOS|Mac OS X|ProductVersion:?)\s*(\d+(?:\.\d+)*)", text)
    else:
        m = re.search(r"(\d+(?:\.\d+)+)", text)
    return _v(m.group(1)) if m else None


def _in(value: Version, start: Version | None, below: Version | None) -> bool:
    n = max(len(value), len(start or ()), len(below or ()))
    pad = lambda v: tuple(v) + (0,) * (n - len(v))  # noqa: E731 - (15,) == (15, 0, 0)
    return (start is None or pad(value) >= pad(start)) and (below is None or pad(value) < pad(below))


def _failing(checks: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [c for c in checks if c.get("outcome") == "failed" and not c.get("muted")]


def _signatures(failing: Sequence[Mapping[str, Any]], labels: Iterable[str]) -> list[str]:
    """The labels a failing logs check names (its message quotes each as `label`)."""
    text = " ".join(str(c.get("message") or "") for c in failing if str(c.get("id", "")).endswith(".logs.known_errors"))
    return [label for label in labels if f"`{label}`" in text]


def match(checks: Iterable[Mapping[str, Any]], platform: str, environment: Mapping[str, Any],
          table: Sequence[KnownIssue] = KNOWN) -> list[dict[str, Any]]:
    """The known issues this run shows, in the table's order, each with what matched."""
    failing = _failing(checks)
    failing_ids = [str(c.get("id")) for c in failing]
    mp_text = environment.get("multipassd") or environment.get("multipass")
    mp = multipass_version(mp_text)
    osv = os_version(platform, environment.get("os"))
    driver = environment.get("driver")
    out = []
    for k in table:
        if k.platform != platform or driver not in k.drivers or mp is None:
            continue
        if (k.os_from or k.os_below) and (osv is None or not _in(osv, k.os_from, k.os_below)):
            continue
        if not _in(mp, k.multipass_from, _v(k.fixed_in) if k.fixed_in else None):
            continue
        shown = [c for c in k.checks if c in failing_ids]
        sigs = _signatures(failing, k.signatures)
        if not shown and not sigs:
            continue
        out.append({"issue": k.issue, "url": k.url, "title": k.title, "fixed_in": k.fixed_in, "status": k.status,
                    "what_to_do": k.note,
                    "matched": {"os": environment.get("os"), "multipass": mp_text, "driver": driver,
                                "checks": shown, "signatures": sigs}})
    return out


def line(found: Mapping[str, Any]) -> str:
    """One known issue for the terminal triage and the reports."""
    fix = f"fixed in Multipass {found['fixed_in']}" if found.get("fixed_in") else found.get("status", "open")
    seen = ", ".join([*found["matched"]["checks"], *(f"`{s}`" for s in found["matched"]["signatures"])])
    return (f"known upstream issue #{found['issue']} ({fix}; you run {found['matched']['multipass']} with "
            f"{found['matched']['driver']} on {found['matched']['os']}; shown by {seen}): {found['title']}. "
            f"{found['what_to_do']}. {found['url']}")
