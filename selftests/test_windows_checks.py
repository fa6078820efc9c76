"""The Windows checks beyond the scenario runner: the probes' exact commands, the error
records PowerShell prints instead of data, what a finding names, encodings, and that
this (Linux) host skips every Windows check instead of failing it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mpdiag import catalog
from mpdiag.errors import NeedsPrivilege, ParseError
from mpdiag.parse.powershell import PowerShellError
from mpdiag.parse.unavailable import Absent, Denied
from mpdiag.probes import load_all
from mpdiag.probes import windows as wp
from mpdiag.runner import CommandResult
from selftests.suite import SCENARIOS, run_suite

WIN = SCENARIOS / "windows"
HAND = Path(__file__).parent / "data" / "windows"
WINDOWS_IDS = [c.id for c in catalog.CHECKS if c.platform == "windows"]


def _copy(name: str, tmp_path: Path) -> Path:
    dest = tmp_path / name
    shutil.copytree(WIN / name, dest)
    (dest / "expected.json").unlink()
    return dest


def _set(bundle: Path, probe: str, out: bytes | str, rc: int = 0, stderr: str = "") -> None:
    data = out.encode() if isinstance(out, str) else out
    (bundle / "probes" / f"{probe}.out").write_bytes(data)
    meta = bundle / "probes" / f"{probe}.json"
    if rc or stderr:
        meta.write_text(json.dumps({"argv": [], "rc": rc, "stderr": stderr, "timed_out": False}))
    elif meta.exists():
        meta.unlink()


def _drop(bundle: Path, probe: str) -> None:
    for suffix in (".out", ".json"):
        (bundle / "probes" / f"{probe}{suffix}").unlink(missing_ok=True)


# ------------------------------------------------------------------------ probes


POWERSHELL_PROBES = {
    "vm_switches": "Get-VMSwitch | ConvertTo-Json -Depth 3",
    "hns_networks": "Get-HNSNetwork | ConvertTo-Json -Depth 4",
    "ics_service": "Get-Service SharedAccess | ConvertTo-Json",
    "antivirus": "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | ConvertTo-Json",
    "hypervisor_present": "Get-CimInstance Win32_ComputerSystem | Select-Object HypervisorPresent | ConvertTo-Json",
}


@pytest.mark.parametrize("name,script", POWERSHELL_PROBES.items())
def test_powershell_probes_are_one_argv(name, script):
    probe = load_all()[name]
    assert probe.platforms == {"windows"}
    assert tuple(probe.command) == ("powershell", "-NoProfile", "-NonInteractive", "-Command", script)


def test_default_switch_ip_finds_the_adapter_by_the_switch_id():
    argv = load_all()["default_switch_ip"].command
    assert argv[:4] == ("powershell", "-NoProfile", "-NonInteractive", "-Command") and len(argv) == 5
    assert "Get-VMSwitch -Id C08CB7B8-9B3C-408E-8E30-5E16A3AEB444" in argv[4]
    assert "-AddressFamily IPv4" in argv[4] and argv[4].endswith("| ConvertTo-Json")


def test_other_windows_probes():
    reg = load_all()
    assert reg["excluded_ports"].command == ("netsh", "interface", "ipv4", "show", "excludedportrange",
                                             "protocol=tcp")
    assert reg["portproxy"].command == ("netsh", "interface", "portproxy", "show", "all")
    assert reg["bcdedit"].command == ("bcdedit", "/enum", "{current}") and reg["bcdedit"].privileged
    hosts = reg["hosts_ics"]
    assert hosts.command[:3] == ("cmd", "/d", "/c") and wp.HOSTS_ICS in hosts.command[3]
    absent = hosts.interpret(CommandResult(hosts.command, wp.HOSTS_ICS_ABSENT_RC, b""), 5)
    assert isinstance(absent, Absent) and "does not exist" in absent.why


def test_powershell_error_reads_the_record_from_stderr_or_stdout():
    record = (HAND / "cim_invalid_namespace.txt").read_text()
    on_stderr = wp.powershell_error(CommandResult(("powershell",), 1, b"", record.encode()))
    assert isinstance(on_stderr, PowerShellError) and on_stderr.is_invalid_namespace
    on_stdout = wp.powershell_error(CommandResult(("powershell",), 1, record.encode()))
    assert on_stdout is not None and on_stdout.is_invalid_namespace
    data = (HAND / "service_sharedaccess.json").read_bytes()
    assert wp.powershell_error(CommandResult(("powershell",), 0, data)) is None
    assert wp.powershell_error(CommandResult(("powershell",), 1, b"", b"", timed_out=True)) is None
    assert wp.powershell_error(CommandResult(("powershell",), 1, b"", b"some other noise")) is None


def test_hypervisor_present_and_bcdedit_parsers():
    assert wp.parse_hypervisor_present('{\r\n    "HypervisorPresent":  true\r\n}\r\n') is True
    assert wp.parse_hypervisor_present('{"HypervisorPresent": false}') is False
    with pytest.raises(ParseError):
        wp.parse_hypervisor_present('{"HypervisorPresent": null}')
    with pytest.raises(ParseError):
        wp.parse_hypervisor_present("")
    with pytest.raises(NeedsPrivilege, match="Administrator"):
        wp.parse_bcdedit_probe((HAND / "bcdedit_denied.txt").read_text())
    assert wp.parse_bcdedit_probe((HAND / "bcdedit_auto.txt").read_text())["hypervisorlaunchtype"] == "Auto"
    assert isinstance(wp.bcdedit_denied(CommandResult(("bcdedit",), 1, b"", "Zugriff verweigert".encode())), Denied)
    assert wp.bcdedit_denied(CommandResult(("bcdedit",), 0, (HAND / "bcdedit_auto.txt").read_bytes())) is None


# ------------------------------------------------------------------ whole suite


def test_windows_checks_skip_on_this_linux_host(tmp_path):
    run = run_suite("-m", "windows", reports=tmp_path)
    got = {c["id"]: c for c in run.diagnosis["checks"]}
    assert set(WINDOWS_IDS) <= set(got), run.stdout[-2000:]
    for check_id in WINDOWS_IDS:
        assert got[check_id]["outcome"] == "skipped", got[check_id]
        assert "Windows check; this host is linux" in got[check_id]["message"]
    assert not [c for c in got.values() if c["outcome"] in ("failed", "error")]
    assert run.rc == 0, run.stdout[-2000:]


def test_utf16_bundle_gives_the_same_outcomes(tmp_path):
    raw = (WIN / "healthy-utf16" / "probes" / "vm_switches.out").read_bytes()
    assert raw.startswith(b"\xff\xfe") and "\r\n".encode("utf-16-le") in raw
    utf8 = run_suite("--replay", str(WIN / "healthy"), reports=tmp_path / "utf8")
    utf16 = run_suite("--replay", str(WIN / "healthy-utf16"), reports=tmp_path / "utf16")
    assert utf8.outcomes() == utf16.outcomes()
    # healthy sets no bridged network and 1.16.3 has no zones: those two pass in bridged-healthy, zones-healthy
    unset = {"windows.bridged.setting_valid", "windows.zones.subnets_free"}
    assert all(utf16.outcomes()[i] == "passed" for i in WINDOWS_IDS if i not in unset), utf16.stdout[-2000:]
    assert all(utf16.outcomes()[i] == "skipped" for i in unset)
    assert utf16.diagnosis["environment"]["subnet"] == "172.22.160.0/20"


def test_findings_name_the_evidence(tmp_path):
    def message(scenario: str, check_id: str) -> str:
        run = run_suite("--replay", str(WIN / scenario), "-m", "windows", reports=tmp_path / scenario)
        return run.check(check_id)["message"]

    dup = message("hosts-ics-duplicate", "windows.ics.hosts_single_entry")
    assert "line 10 (172.22.165.23)" in dup and "line 12 (172.22.170.9)" in dup and "keep line 10" in dup
    bad = message("hosts-ics-corrupted", "windows.ics.hosts_not_corrupted")
    assert "line 12: '0 54 30 497'" in bad and "line 14: '67'" in bad
    stale = message("hosts-ics-stale", "windows.ics.hosts_matches_instance")
    assert "172.22.170.9" in stale and "172.22.165.23" in stale and "Remove the stale hosts.ics line" in stale
    assert "49985-50084" in message("port-50051-excluded", "windows.multipass.port_not_excluded")
    proxy = message("portproxy-stale", "windows.portproxy.no_stale_rules")
    assert "0.0.0.0:8080 -> 172.22.170.9:80" in proxy and "listenport=8080 listenaddress=0.0.0.0" in proxy
    assert "172.22.165.23" not in proxy and "172.22.168.40" not in proxy  # live and stopped instances
    assert "Kaspersky Standard" in message("antivirus-kaspersky", "windows.interference.antivirus")


def test_hosts_ics_right_and_multipass_cache_stale(tmp_path):
    """Hyper-V 1.16.1 after a restart (#3354): hosts.ics has the new address, which Multipass lists
    second behind its cached old one. The file is right: the remedy is the stale cache's (restart
    the daemon, upgrade), never "remove the stale hosts.ics line"."""
    run = run_suite("--replay", str(WIN / "stale-ip"), reports=tmp_path)
    rec = run.check("windows.ics.hosts_matches_instance")
    assert rec["outcome"] == "failed", rec
    msg = rec["message"]
    assert "hosts.ics line 10 gives primary 172.22.165.23, which Multipass lists only after 172.22.170.9" in msg, msg
    assert "the first is Multipass's stale cache" in msg, msg
    assert rec["remedy"]["id"] == "instance.stale_ip", rec["remedy"]
    assert "Remove the stale hosts.ics line" not in msg and "notepad" not in msg, msg
    assert "Restart-Service Multipass  # as Administrator; Hyper-V before 1.16.2: upgrade" in msg, msg
    assert run.diagnosis["triage"]["first_step"].startswith("Restart-Service Multipass"), run.diagnosis["triage"]


def test_hcs_driver_is_of_the_hyperv_family(tmp_path):
    """`local.driver=hyperv_api` (HCS, built on main only): the Hyper-V family, so the healthy
    host's Hyper-V checks all run and reach the same outcomes as with hyperv (VirtualBox skips them)."""
    bundle = _copy("healthy", tmp_path)
    _set(bundle, "multipass_driver", "hyperv_api\r\n")
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    want = json.loads((WIN / "healthy" / "expected.json").read_text())
    got = run.outcomes()
    assert {k: got.get(k) for k in want} == want, run.stdout[-2000:]
    assert got["windows.multipass.driver"] == "passed" and got["windows.switch.exists"] == "passed"


def test_localized_switch_is_named_in_the_remedy(tmp_path):
    """German Windows: a broken Standardswitch; the remedy removes *that* network, and the
    user's own external switch named "Default Switch" is never taken for it."""
    bundle = _copy("localized-de", tmp_path)
    ip = (bundle / "probes" / "default_switch_ip.out").read_text().replace("172.22.160.1", "172.30.48.1")
    _set(bundle, "default_switch_ip", ip)
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    rec = run.check("windows.switch.hns_healthy")
    assert rec["outcome"] == "failed", rec
    assert 'Get-HNSNetwork | ? Name -Like "Standardswitch" | Remove-HNSNetwork' in rec["remedy"]["commands"]
    assert run.outcomes()["windows.switch.exists"] == "passed"
    assert run.diagnosis["environment"]["subnet"] == "172.30.48.0/20"


def test_bcdedit_refused_and_no_hypervisor_fact_is_a_skip_naming_administrator(tmp_path):
    bundle = _copy("healthy", tmp_path)
    _drop(bundle, "hypervisor_present")
    _set(bundle, "bcdedit", "", rc=1,
         stderr="The boot configuration data store could not be opened.\r\nAccess is denied.\r\n")
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    rec = run.check("windows.hyperv.hypervisor_running")
    assert rec["outcome"] == "skipped" and "Administrator" in rec["message"], rec


def test_hypervisor_running_but_off_at_next_boot_is_warned(tmp_path):
    bundle = _copy("healthy", tmp_path)
    bcd = (bundle / "probes" / "bcdedit.out").read_text().replace("hypervisorlaunchtype    Auto",
                                                                  "hypervisorlaunchtype    Off")
    _set(bundle, "bcdedit", bcd)
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    assert run.outcomes()["windows.hyperv.hypervisor_running"] == "warned"


@pytest.mark.parametrize("probe,out,rc,stderr,check_id", [
    # another PowerShell error than "Invalid namespace": not a skip, not a pass
    ("antivirus", "", 1, "Get-CimInstance : Access denied \r\n    + CategoryInfo          : PermissionDenied: "
     "(root/SecurityCenter2:AntiVirusProduct:String) [Get-CimInstance], CimException\r\n"
     "    + FullyQualifiedErrorId : HRESULT 0x80041003,Microsoft.Management.Infrastructure.CimCmdlets."
     "GetCimInstanceCommand\r\n", "windows.interference.antivirus"),
    ("hns_networks", "", 1, (HAND / "hnsnetwork_cmdlet_missing.txt").read_text(), "windows.switch.hns_healthy"),
    ("hosts_ics", b"172.22.165.23 primary.mshome.net\r\n\x00\x00\x00\r\n", 0, "",
     "windows.ics.hosts_not_corrupted"),
    ("hosts_ics", "", 1, "Access is denied.", "windows.ics.hosts_single_entry"),
    ("excluded_ports", "The requested operation requires elevation.\r\n", 1, "", "windows.multipass.port_not_excluded"),
    ("ics_service", "{ not json", 0, "", "windows.ics.service"),
])
def test_unreadable_data_is_an_error_never_a_pass(tmp_path, probe, out, rc, stderr, check_id):
    bundle = _copy("healthy", tmp_path)
    _set(bundle, probe, out, rc, stderr)
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    assert run.outcomes()[check_id] == "error", run.check(check_id)


def test_missing_service_is_a_failure(tmp_path):
    bundle = _copy("healthy", tmp_path)
    _set(bundle, "ics_service", "", 1,
         "Get-Service : Cannot find any service with service name 'SharedAccess'.\r\n"
         "    + CategoryInfo          : ObjectNotFound: (SharedAccess:String) [Get-Service], ServiceCommandException\r\n"
         "    + FullyQualifiedErrorId : NoServiceFoundForGivenName,Microsoft.PowerShell.Commands.GetServiceCommand\r\n")
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    rec = run.check("windows.ics.service")
    assert rec["outcome"] == "failed" and "no SharedAccess service" in rec["message"], rec


def test_not_recorded_probes_skip(tmp_path):
    bundle = _copy("healthy", tmp_path)
    for probe in ("hosts_ics", "portproxy", "antivirus", "excluded_ports"):
        _drop(bundle, probe)
    run = run_suite("--replay", str(bundle), "-m", "windows", reports=tmp_path / "r")
    got = run.outcomes()
    for check_id in ("windows.ics.hosts_single_entry", "windows.ics.hosts_matches_instance",
                     "windows.ics.hosts_not_corrupted", "windows.portproxy.no_stale_rules",
                     "windows.interference.antivirus", "windows.multipass.port_not_excluded"):
        assert got[check_id] == "skipped", (check_id, run.check(check_id))
        assert "not recorded" in run.check(check_id)["message"]
