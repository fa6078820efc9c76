"""Known upstream bugs (mpdiag/known_issues.py): matched on OS, Multipass version, driver and a failing
check or log signature, both ways; named by diagnosis.json, the terminal triage, report.html, issue.md."""

from __future__ import annotations

import pytest

from mpdiag import catalog, diagnosis, known_issues
from mpdiag.host.rules import logs
from mpdiag.report import html, issue_md


def env(os: str | None = "macOS 15.1", mp: str | None = "1.14.0+mac", driver: str | None = "qemu") -> dict:
    return {"os": os, "multipass": mp, "multipassd": mp, "driver": driver}


def failed(*ids: str, message: str = "", muted: bool = False) -> list[dict]:
    return [{"id": i, "outcome": "failed", "problem_class": catalog.spec(i).problem_class,
             "message": message or f"{i}: found", "muted": muted, "remedy": None} for i in ids]


def issues(checks, platform="macos", **kw) -> list[int]:
    return [k["issue"] for k in known_issues.match(checks, platform, env(**kw))]


def test_table_is_consistent():
    labels = {s.label for s in logs.SIGNATURES}
    for k in known_issues.KNOWN:
        assert k.platform in catalog.PLATFORMS and k.drivers and k.checks, k
        assert all(c in catalog.BY_ID or c in ("instance.state.ip_current", "linux.bridged.networkmanager")
                   for c in k.checks), k  # the two today's-Multipass checks of the other half of #11
        assert set(k.signatures) <= labels, k
        assert k.url == f"https://github.com/canonical/multipass/issues/{k.issue}"
        assert k.fixed_in or "open" in k.status


def test_sequoia_before_1_14_1_matches_and_the_fix_does_not():
    checks = failed("macos.multipass.version_fits_os", "instance.state.running_with_ip")
    assert issues(checks) == [3661]
    assert issues(checks, mp="1.14.1+mac") == []           # fixed in 1.14.1
    assert issues(checks, os="macOS 14.6") == []           # Sonoma: not this bug
    assert issues(checks, driver="virtualbox") == []
    assert issues(checks, driver=None) == [] and issues(checks, os=None) == [] and issues(checks, mp=None) == []
    assert issues([]) == []                                # the versions alone are no evidence
    assert issues(failed("macos.multipass.version_fits_os", muted=True)) == []


def test_a_log_signature_is_evidence_too():
    msg = ("macos.logs.known_errors: 1 known failure signature(s) in multipassd.log: `Could not determine IP "
           "address` (generic problem) once")
    (k,) = known_issues.match(failed("macos.logs.known_errors", message=msg), "macos", env())
    assert k["issue"] == 3661 and k["matched"]["signatures"] == ["Could not determine IP address"]
    assert k["matched"]["checks"] == []


def test_tahoe_before_1_16_2():
    checks = failed("macos.multipass.version_fits_os", "macos.vmnet.subnet_collision")
    assert issues(checks, os="macOS 26.0", mp="1.16.1+mac") == [4383]
    assert issues(checks, os="macOS 26.0", mp="1.16.2+mac") == []
    assert issues(checks, os="macOS 15.1", mp="1.16.1+mac") == []


def test_hyperv_stale_address_and_the_open_ones():
    w = failed("windows.ics.hosts_matches_instance")
    assert issues(w, "windows", os="Windows 10.0.19045", mp="1.16.1+win", driver="hyperv") == [3354]
    assert issues(w, "windows", os="Windows 10.0.19045", mp="1.16.2+win", driver="hyperv") == []
    stale = [{"id": "instance.state.ip_current", "outcome": "failed", "message": "x"}]
    assert issues(stale, mp="1.17.0-dev.1412+g1e2d3c4.mac", driver="applevz") == [5075]  # open: every version
    assert issues(stale, mp="1.16.3+mac") == [3772]
    assert issues(stale, mp="1.14.0+mac") == []  # before 1.14.1 it read dhcpd_leases, not the ARP cache


@pytest.mark.parametrize("text, want", [("1.14.0+mac", (1, 14, 0)), ("multipass 1.16.3", (1, 16, 3)),
                                        ("1.17.0-dev.1412+g1e2d3c4.mac", (1, 17, 0)), ("", None), (None, None)])
def test_multipass_version(text, want):
    assert known_issues.multipass_version(text) == want


def test_every_report_names_it():
    checks = failed("macos.multipass.version_fits_os")
    doc = diagnosis.build(checks, platform="macos", mode="replay", started="2026-11-20T10:00:00+00:00",
                          duration_s=1.0, environment=env())
    (k,) = doc["known_issues"]
    assert k["fixed_in"] == "1.14.1"
    triage = "\n".join(diagnosis.summary_lines(doc))
    assert "known upstream issue #3661 (fixed in Multipass 1.14.1; you run 1.14.0+mac" in triage
    page = html.render({**doc, "run_id": "r1"})
    assert 'id="known-issues"' in page and k["url"] in page and "fixed in Multipass 1.14.1" in page
    md = issue_md.render({**doc, "run_id": "r1"})
    assert "## Known upstream issue" in md and k["url"] in md and "1.14.1" in md
    quiet = diagnosis.build([], platform="macos", mode="replay", started="x", duration_s=0.0, environment=env())
    assert quiet["known_issues"] == [] and 'id="known-issues"' not in html.render({**quiet, "run_id": "r"})
