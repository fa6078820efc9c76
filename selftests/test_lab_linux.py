"""The Linux host checks against the lab's Linux host, for real: the linux layout's
`mp-host` namespace is a Multipass QEMU host (bridge mpqemubr0, Multipass's dnsmasq,
its iptables rules); the real suite runs *inside* it (`ip netns exec mp-host ...`)
with the `multipass` stand-in first on PATH.

Healthy: every linux.* host check passes. Each Linux-host fault fails exactly its
checks, with the remedy, and the triage names the right class. The lab is healed
between faults and always torn down.

Faults found inside the instance (nic-no-dhcp, stale-ip) fail exactly their instance checks
while every host check passes; the stand-in as Multipass main has zones (zone-collision).

Set MPDIAG_RECORD_LINUX=DIR to also record one bundle per case into DIR/<case>
(`-m "linux and host" --record`; healthy and the inside faults `-m linux`, the instance's probes
too; the zone cases as main): that is how scenarios/linux/ was made.

Longer than ~300 lines on purpose: one module-scoped lab serves every Linux host case; split,
each part would bring a lab up again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mpdiag import catalog
from selftests.suite import ROOT, SuiteRun

pytestmark = pytest.mark.lab

LINUX_IDS = sorted(c.id for c in catalog.CHECKS if c.platform == "linux")
# the lab has no snap.multipass unit, so there is no journal to read: that check skips, saying so
NO_JOURNAL = {"linux.logs.known_errors": "skipped", "linux.snap.apparmor": "skipped",
              # the stand-in speaks 1.16.3, which has no zones (test_zone_subnets runs it as main)
              "linux.zones.subnets_free": "skipped"}


# the lab's host namespace is on this machine: in a container (CI's, a developer's docker) the
# environment check says so (warned: the lab needs CAP_NET_ADMIN, so it is a privileged one)
def _in_container() -> bool:
    if os.path.exists("/.dockerenv") or os.path.exists("/run/.containerenv"):
        return True
    tool = shutil.which("systemd-detect-virt")
    return bool(tool) and subprocess.run([tool, "--container"], capture_output=True).returncode == 0


IN_CONTAINER = _in_container()
HOST_ENV = {"linux.host.environment": "warned" if IN_CONTAINER else "passed"}


def expect(failed: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """Every linux.* check: failed if named, else passed (the journal checks skip in the lab, the
    environment check warns in a container)."""
    return {i: ("failed" if i in failed else "passed") for i in LINUX_IDS} | NO_JOURNAL | HOST_ENV
from lab import firewalld  # noqa: E402
from lab.state import HOST_NS  # noqa: E402  (MPLAB_NS_PREFIX aware)

# fault -> the linux.* checks it must fail (all others pass), and the triage's class
FAULTS: dict[str, tuple[set[str], str]] = {
    "bridge-down": ({"linux.bridge.up"}, "generic"),
    "dnsmasq-killed": ({"linux.dnsmasq.serving"}, "generic"),
    # the squatter is the cause (ports.exclusive names it); dnsmasq died of it (dnsmasq.serving)
    "port53-squat": ({"linux.dnsmasq.serving", "linux.ports.exclusive"}, "generic"),
    "port67-squat": ({"linux.dnsmasq.serving", "linux.ports.exclusive"}, "generic"),
    "forward-drop": ({"linux.firewall.forward"}, "routing"),
    "dhcp-blocked": ({"linux.firewall.dhcp_allowed"}, "generic"),
    "ip-forward-off": ({"linux.sysctl.ip_forward"}, "dns"),
    "bridged-missing": ({"linux.bridged.setting_valid"}, "generic"),
    "networkmanager-absent": ({"linux.bridged.networkmanager"}, "generic"),
    "nft-forward-drop": ({"linux.firewall.forward"}, "routing"),
}
# what each failure message must name (evidence), besides the check ID and remedy commands
EVIDENCE = {
    "bridge-down": {"linux.bridge.up": ["mpqemubr0", "is DOWN"]},
    "dnsmasq-killed": {"linux.dnsmasq.serving": ["no dnsmasq is bound to mpqemubr0 (10.97.23.1)"]},
    "port53-squat": {"linux.ports.exclusive": ["named (pid", "10.97.23.1:53"]},
    "port67-squat": {"linux.ports.exclusive": ["dhcpd (pid", "10.97.23.1:67"]},
    "forward-drop": {"linux.firewall.forward": ["policy DROP", "REJECT", "mpqemubr0"]},
    "dhcp-blocked": {"linux.firewall.dhcp_allowed": ["--dport 67 -j DROP", "mpqemubr0"]},
    "ip-forward-off": {"linux.sysctl.ip_forward": ["net.ipv4.ip_forward is 0"]},
    "bridged-missing": {"linux.bridged.setting_valid": ["'eth7'", "br-eth1 (bridge), eth1 (ethernet)"]},
    "networkmanager-absent": {"linux.bridged.networkmanager": ["local.bridged-network is eth1",
                                                               "NetworkManager is inactive"]},
    "nft-forward-drop": {"linux.firewall.forward": [
        "native nftables table inet mplab_nftfwd chain forward (hook forward) policy drop",
        'sudo nft insert rule inet mplab_nftfwd forward iifname "mpqemubr0" accept']},
}


def netns_argv(ns: str, argv: list[str], env: dict[str, str] | None = None) -> list[str]:
    """argv run inside network namespace ns (`ip netns exec` execs in place; env via `env`)."""
    prefix = ["ip", "netns", "exec", ns]
    if env:
        prefix += ["env", *(f"{k}={v}" for k, v in env.items())]
    return prefix + list(argv)


def lab_env(lab) -> dict[str, str]:
    """The stand-in first on PATH, the lab's state and Multipass data dir (multipass_subnet)."""
    st = lab.state
    return {"PATH": f"{st.bin_dir}:{os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin')}",
            "LAB_STATE": str(Path(st.state_dir).resolve()),
            "MPDIAG_MULTIPASS_DATA": str(Path(st.state_dir, "data").resolve()),
            "DBUS_SYSTEM_BUS_ADDRESS": firewalld.bus_address(st)}  # the lab's own bus (firewalld-zones)


def lab_options(lab) -> list[str]:
    """The lab's fake internet for the instance checks (no 1.1.1.1 in the lab)."""
    st = lab.state
    return ["--external-ip", st.external_ip, "--external-dns", st.external_dns, "--probe-name", st.probe_name]


def run_suite_in(lab, *args: str, reports: Path, ns: str = HOST_NS, timeout: float = 300,
                 extra_env: dict[str, str] | None = None) -> SuiteRun:
    """The real suite (`python -m pytest` at the project root) inside a lab namespace."""
    reports.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--reports={reports}",
            f"--junitxml={reports / 'junit.xml'}", *lab_options(lab), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    proc = subprocess.run(netns_argv(ns, argv, {**lab_env(lab), **(extra_env or {})}), cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=timeout)
    return SuiteRun(proc.returncode, proc.stdout, proc.stderr, reports)


def lab_in_use(handle) -> str | None:
    """Why another lab is in the way (its namespaces or state exist), or None. Never tear
    down a lab this test did not build: someone else may be using it."""
    from lab.netns import ns_list
    from lab.state import load_state
    from lab.topology import is_lab_ns

    if load_state(handle.state_dir) is not None:
        return f"a lab is already up ({handle.state_dir}): someone is using it; `python -m lab down` first"
    taken = [n for n in ns_list() if is_lab_ns(n)]
    if taken:
        return f"lab namespaces already exist ({' '.join(taken)}): another lab is in use"
    return None


@pytest.fixture(scope="module")
def lab():
    if os.geteuid() != 0:
        pytest.skip("the lab needs root")
    try:
        from lab import Lab
        from lab.testing import unavailable_reason
    except ImportError as exc:  # pragma: no cover - the lab package is part of the tree
        pytest.skip(f"the lab package is not importable: {exc}")
    why = unavailable_reason()
    if why:
        pytest.skip(why)
    handle = Lab()
    busy = lab_in_use(handle)
    if busy:
        pytest.skip(busy)
    try:
        handle.up("linux", ["primary", "second"])   # a failed up tears down only what it built
    except Exception as exc:
        pytest.skip(f"the linux lab does not come up here: {exc}")
    try:
        yield handle
    finally:
        handle.down()


def _linux(run: SuiteRun) -> dict[str, str]:
    got = run.outcomes()
    return {k: v for k, v in got.items() if k.startswith("linux.")}


def _record(lab, case: str, failed: set[str], tmp_path: Path, *, marks: str = "linux and host",
            expected: dict[str, str] | None = None, extra_env: dict[str, str] | None = None,
            leave_out: tuple[str, ...] = (), about: str = "") -> None:
    """With MPDIAG_RECORD_LINUX=DIR: record this case's probes into DIR/<case> with its expected.json
    (by default the Linux host checks only; `marks="linux"` adds the instance checks, for faults
    found inside), leaving out the probes named, and check that the bundle replays to it."""
    base = os.environ.get("MPDIAG_RECORD_LINUX")
    if not base:
        return
    dest = Path(base) / case
    if dest.exists():
        shutil.rmtree(dest)
    run_suite_in(lab, "-m", marks, "--record", str(dest), reports=tmp_path / "record", extra_env=extra_env)
    for probe in leave_out:
        for p in (dest / "probes").glob(f"{probe}.*"):
            p.unlink()
    if about:
        manifest = json.loads((dest / "manifest.json").read_text())
        (dest / "manifest.json").write_text(json.dumps({**manifest, "about": about}, indent=2) + "\n")
    expected = expected or expect(failed)
    (dest / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    replayed = run_suite_in(lab, "--replay", str(dest), reports=tmp_path / "replayed").outcomes()
    assert {k: replayed.get(k) for k in expected} == expected, (case, replayed)
    assert {k for k, v in replayed.items() if v == "failed"} == {k for k, v in expected.items() if v == "failed"}


def assert_failure_carries_remedy(run: SuiteRun, check_id: str, evidence: list[str]) -> None:
    rec = run.check(check_id)
    msg = rec["message"]
    assert msg.startswith(check_id), msg
    assert rec["remedy"] and rec["remedy"]["doc"].startswith("https://"), rec
    for command in rec["remedy"]["commands"]:
        assert command in msg, (command, msg)
        assert "<bridge>" not in command and "<pid>" not in command, command
    for e in evidence:
        assert e in msg, (e, msg)


def test_healthy_lab_passes_every_linux_check(lab, tmp_path):
    run = run_suite_in(lab, "-m", "linux", reports=tmp_path)
    got = _linux(run)
    assert got == expect(), (got, run.stdout[-3000:], run.stderr[-2000:])
    assert run.diagnosis["environment"]["subnet"] == lab.state.subnet
    assert run.diagnosis["triage"] is None or not run.diagnosis["triage"].get("problem_class"), run.diagnosis
    assert run.rc == 0, run.stdout[-3000:]
    inside = {k: v for k, v in run.outcomes().items() if k in TODAY_INSIDE}
    assert inside == {k: "passed" for k in TODAY_INSIDE}, (inside, run.stdout[-3000:])  # primary is bridged
    # the lab runs in CI's container, which says nothing about a Multipass host: no host markers
    _record(lab, "healthy", set(), tmp_path, marks="linux", leave_out=("host_markers", "detect_virt"),
            expected={**expect(), "linux.host.environment": "skipped", **inside},
            about="the lab's healthy Linux host and its bridged primary, recorded in the lab "
                  "(selftests/test_lab_linux.py); host_markers and detect_virt are left out of this bundle: "
                  "the lab runs in CI's docker container, which says nothing about a Multipass host "
                  "(scenarios/linux/host-docker-container keeps them)")


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_exactly_its_checks(lab, fault, tmp_path):
    expected_failed, triage_class = FAULTS[fault]
    lab.heal()
    lab.fault(fault)
    try:
        run = run_suite_in(lab, "-m", "linux", reports=tmp_path)
        got = _linux(run)
        expected = expect(expected_failed)
        assert got == expected, (fault, got, run.stdout[-3000:], run.stderr[-2000:])
        for check_id in expected_failed:
            assert_failure_carries_remedy(run, check_id, EVIDENCE[fault].get(check_id, []))
        triage = run.diagnosis["triage"]
        assert triage and triage["problem_class"] == triage_class, triage
        assert triage["check"] in expected_failed, triage
        assert run.rc == 1
        _record(lab, fault, expected_failed, tmp_path)
    finally:
        lab.heal()


# the checks of today's Multipass whose findings are inside the instance (a Running, bridged primary)
TODAY_INSIDE = ("instance.state.ip_current", "instance.bridged.nic_configured")
# fault -> the instance checks it must fail (every linux.* host check passes), the triage's class, and
# what each failure message must name
INSIDE_FAULTS: dict[str, tuple[set[str], str, dict[str, list[str]]]] = {
    "nic-no-dhcp": ({"instance.bridged.nic_configured"}, "routing",
                    {"instance.bridged.nic_configured": ["primary is bridged but", "has no IPv4"]}),
    # the stand-in SSHes to the stale address as multipassd would: the shell check fails with it
    "stale-ip": ({"instance.state.ip_current", "instance.shell.reachable"}, "generic",
                 {"instance.state.ip_current": ["the reported address is stale", "dnsmasq"]}),
}


@pytest.mark.parametrize("fault", sorted(INSIDE_FAULTS))
def test_inside_fault_fails_exactly_its_checks(lab, fault, tmp_path):
    """`pytest -m linux` on the lab host: the host checks pass, exactly the fault's instance checks
    fail with their remedies (recorded, host and instance probes, with MPDIAG_RECORD_LINUX)."""
    failed, triage_class, evidence = INSIDE_FAULTS[fault]
    lab.heal()
    lab.fault(fault)
    try:
        run = run_suite_in(lab, "-m", "linux", reports=tmp_path)
        assert _linux(run) == expect(), (fault, _linux(run), run.stdout[-3000:])
        got = run.outcomes()
        assert {k for k, v in got.items() if v == "failed"} == failed, (fault, got, run.stdout[-3000:])
        assert "error" not in got.values(), got
        for check_id in failed:
            assert_failure_carries_remedy(run, check_id, evidence.get(check_id, []))
        triage = run.diagnosis["triage"]
        assert triage and triage["problem_class"] == triage_class and triage["check"] in failed, triage
        inside = {k: got[k] for k in (*TODAY_INSIDE, *sorted(failed))}
        _record(lab, fault, set(), tmp_path, marks="linux", expected={**expect(), **inside})
    finally:
        lab.heal()


MAIN = {"MPLAB_VERSION": "1.17.0-dev.1412+g1e2d3c4"}


def test_zone_subnets(lab, tmp_path):
    """The stand-in as Multipass main (`zones`): healthy zones pass; zone2's file naming the LAN's
    subnet (the route and address of br-eth1) fails, with the zone file to delete."""
    main = MAIN
    zones = "linux.zones.subnets_free"
    lab.heal()
    try:
        run = run_suite_in(lab, "-m", "linux and host", "-k", "zone", reports=tmp_path / "a", extra_env=main)
        assert run.outcomes()[zones] == "passed", run.stdout[-2000:]
        _record(lab, "zones-healthy", set(), tmp_path / "ra", extra_env=main, expected={**expect(), zones: "passed"},
                about="the lab's Linux host with the stand-in as Multipass main (`zones`): zone1-3 on 10.97.23-25.0/24")
        lab.fault("zone-collision")
        run = run_suite_in(lab, "-m", "linux and host", "-k", "zone", reports=tmp_path / "b", extra_env=main)
        assert run.outcomes()[zones] == "failed", run.stdout[-2000:]
        assert_failure_carries_remedy(run, zones,
                                      ["zone zone2 (192.168.77.0/24) collides with the route 192.168.77.0/24 on br-eth1",
                                       "zones/zone2.json"])
        assert run.diagnosis["triage"]["problem_class"] == "routing"
        _record(lab, "zone-collision", set(), tmp_path / "rb", extra_env=main, expected={**expect(), zones: "failed"},
                about="Multipass main: zone2's file names the LAN's 192.168.77.0/24 (br-eth1's route), chosen "
                      "before the LAN moved there and never re-checked")
    finally:
        lab.heal()


def test_a_recorded_run_with_two_firewalld_zones_replays_to_the_same_answers(lab, tmp_path):
    """A live host run with a real firewalld (lab/firewalld.py, on the lab's own D-Bus) and two
    Multipass bridges in two zones (mpqemubr0 in trusted, zone2's mpqemubrzone2 in public) reads
    firewalld_zone twice; --record keeps one file per zone, and the replay answers each zone with
    its own, to the same outcome and message of every check."""
    why = firewalld.missing()
    if why:
        pytest.skip(why)
    lab.heal()
    bundle = tmp_path / "bundle"
    lab.fault("firewalld-zones")
    try:
        live = run_suite_in(lab, "-m", "linux and host", "--record", str(bundle), reports=tmp_path / "live")
    finally:
        lab.heal()
    zones = sorted(p.name for p in (bundle / "probes").glob("firewalld_zone--*.out"))
    assert zones == ["firewalld_zone--zone=public.out", "firewalld_zone--zone=trusted.out"], (zones, live.stdout[-2000:])
    dhcp = live.check("linux.firewall.dhcp_allowed")
    assert dhcp["outcome"] == "failed" and "mpqemubrzone2 is in zone 'public'" in dhcp["message"], dhcp
    assert "mpqemubr0 " not in dhcp["message"].split("\n")[0], dhcp  # trusted: the first bridge passed
    replayed = run_suite_in(lab, "-m", "linux and host", "--replay", str(bundle), reports=tmp_path / "replay")
    a = {c["id"]: (c["outcome"], c["message"]) for c in live.diagnosis["checks"]}
    b = {c["id"]: (c["outcome"], c["message"]) for c in replayed.diagnosis["checks"]}
    assert a == b, {cid: (a.get(cid), b.get(cid)) for cid in set(a) | set(b) if a.get(cid) != b.get(cid)}
    from lab.state import current_pids

    # healed: firewalld, its bus and zone2's bridge are gone
    assert not {firewalld.DAEMON, firewalld.BUS} & set(current_pids(lab.state_dir)), current_pids(lab.state_dir)
    assert lab.run_in("host", ["ip", "link", "show", "mpqemubrzone2"]).returncode != 0
