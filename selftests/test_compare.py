"""What changed since it worked: mpdiag.compare over scenario bundles, and `pytest --compare`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mpdiag.bundle import open_bundle
from mpdiag.compare import compare, snapshot
from mpdiag.probes import ProbeSession, ReplaySource
from selftests.suite import SCENARIOS, run_suite

MAC = SCENARIOS / "macos"


def session(path: Path) -> ProbeSession:
    b = open_bundle(path)
    return ProbeSession(ReplaySource(b), b.platform)


def changes(old: Path, new: Path) -> dict:
    return {c.fact: c for c in compare(session(old), session(new))}


def test_vpn_hijack_names_the_vpn_client_and_the_route_moved_to_utun():
    found = changes(MAC / "healthy", MAC / "vpn-route-hijack")
    route = found["route_to_subnet"]
    assert route.old.endswith("on bridge100") and route.new.endswith("on utun4"), route
    assert any("Cisco" in a for a in found["vpn_clients"].added)
    assert found["vpn_interfaces"].added == ["utun4 10.20.30.40/18"]
    assert "default_route" not in found  # split tunnel: the default route stayed on en0
    assert set(found) == {"route_to_subnet", "vpn_clients", "vpn_interfaces"}


def test_a_state_compared_with_itself_has_no_change():
    for p in (MAC / "healthy", SCENARIOS / "linux" / "healthy", SCENARIOS / "windows" / "healthy"):
        assert compare(session(p), session(p)) == []
        assert len(snapshot(session(p))) >= 5, p  # the facts are there, and equal


def test_port53_squatter_on_linux():
    found = changes(SCENARIOS / "linux" / "healthy", SCENARIOS / "linux" / "port53-squat")
    assert any(a.startswith("named ") for a in found["port53"].added)
    assert any(r.startswith("dnsmasq ") for r in found["port53"].removed)


def test_macos_dns_tool_and_port53():
    found = changes(MAC / "healthy", MAC / "dns-squatter-dnscrypt")
    assert any("dnscrypt" in a for a in found["dns_tools"].added)
    assert any(a.startswith("dnscrypt") for a in found["port53"].added)


def test_macos_firewall_and_pf_nat():
    fw = changes(MAC / "healthy", MAC / "firewall-block-all")
    assert (fw["firewall_block_all"].old, fw["firewall_block_all"].new) == ("off", "on")
    nat = changes(MAC / "vpn-no-nat", MAC / "vpn-with-nat")
    assert nat["pf_nat"].added and not nat["pf_nat"].removed


def test_windows_hosts_ics_lines():
    found = changes(SCENARIOS / "windows" / "healthy", SCENARIOS / "windows" / "hosts-ics-stale")
    ics = found["hosts_ics"]
    assert ics.added == ["172.22.170.9 primary.mshome.net"]
    assert ics.removed == ["172.22.165.23 primary.mshome.net"]


def test_multipass_upgrade_is_a_change():
    found = changes(MAC / "old-multipass-sequoia", MAC / "healthy")
    assert found["multipass"].old != found["multipass"].new


def test_what_one_side_lacks_is_no_change(tmp_path):
    """A probe absent from the old bundle makes its facts unknown, never a change."""
    old = tmp_path / "old"
    shutil.copytree(MAC / "healthy", old)
    for f in (old / "probes").glob("netstat_routes.*"):
        f.unlink()
    found = changes(old, MAC / "vpn-route-hijack")
    assert "route_to_subnet" not in found and "default_route" not in found
    assert "vpn_clients" in found


def test_another_platform_is_the_first_change():
    found = compare(session(MAC / "healthy"), session(SCENARIOS / "windows" / "healthy"))
    assert (found[0].fact, found[0].old, found[0].new) == ("platform", "macos", "windows")


# --- through pytest ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """The old bundle outside the project, given space-separated (pytest must not take it for a test path)."""
    old = tmp_path_factory.mktemp("home") / "worked-last-week"
    shutil.copytree(MAC / "healthy", old)
    return old, run_suite("--replay", str(MAC / "vpn-route-hijack"), "--compare", str(old),
                          reports=tmp_path_factory.mktemp("reports"))


def test_compare_in_terminal_diagnosis_and_html(compared):
    old, run = compared
    assert run.rc == 1, run.stdout[-2000:] + run.stderr[-2000:]
    out = run.stdout
    assert out.index("- triage -") < out.index("- changes -"), "the changes come after the triage"
    block = out[out.index("- changes -"):]
    assert f"changed since {old}:" in block
    assert "on utun4" in block and "Cisco" in block
    doc = run.diagnosis
    assert doc["compared_with"] == str(old)
    facts = {c["fact"]: c for c in doc["changes"]}
    assert facts["route_to_subnet"]["new"].endswith("on utun4")
    assert any("Cisco" in a for a in facts["vpn_clients"]["added"])
    page = (run.reports / "report.html").read_text()
    assert "mpdiag-changes" in page and "on utun4" in page


def test_compare_under_xdist_gives_the_same_changes(compared, tmp_path):
    old, run = compared
    par = run_suite("--replay", str(MAC / "vpn-route-hijack"), "--compare", str(old), "-n", "2",
                    "-p", "no:allure_pytest", reports=tmp_path)
    assert par.diagnosis["changes"] == run.diagnosis["changes"]


def test_compare_with_a_malformed_bundle_is_refused_up_front(tmp_path):
    bad = tmp_path / "old"
    bad.mkdir()
    (bad / "manifest.json").write_text("{")
    run = run_suite("--replay", str(MAC / "healthy"), f"--compare={bad}", reports=tmp_path / "r")
    assert run.rc == 4
    assert f"cannot compare with {bad}" in run.stderr
    assert not (tmp_path / "r" / "diagnosis.json").exists()


def test_without_compare_there_is_no_changes_section(tmp_path):
    run = run_suite("--replay", str(MAC / "healthy"), "-p", "no:allure_pytest", reports=tmp_path)
    assert "changes" not in run.diagnosis and "- changes -" not in run.stdout
    assert json.loads((tmp_path / "diagnosis.json").read_text())["host"] == "healthy"
