"""The real suite, end to end, against the network lab: every fault must make exactly the
expected in-instance checks fail, with their remedies, and the triage name the right class.

Runs as root only (skipped otherwise, or when the lab cannot run or another lab is up). The lab
goes up once per layout (module-scoped, parametrized: pytest groups the tests by layout) and is
healed between faults (heal re-runs DHCP where a lease is missing or came from elsewhere).
Pytest runs inside `mp-host`, with the lab's `multipass` stand-in first on PATH:

    ip netns exec mp-host env PATH=<lab/bin>:$PATH python -m pytest tests_instance --instance primary
        --external-ip 198.51.100.1 --external-dns 198.51.100.53 --reports <tmp> [--launch]

Longer than ~300 lines on purpose: one lab per layout serves every fault case; the cases are a
table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mpdiag import catalog
from selftests.suite import ROOT

pytestmark = pytest.mark.lab

LAB_STATE = "/run/mp-lab-e2e" if (os.environ.get("MPLAB_NS_PREFIX") or "mp") == "mp" else \
    f"/run/{os.environ['MPLAB_NS_PREFIX']}-lab-e2e"  # a second lab (another prefix) keeps its own state
LAYOUTS = ("linux", "macos")
FAST = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": "/tmp/mpdiag-pycache"}
BASE_ARGS = ("tests_instance", "-p", "no:hypothesispytest", "--instance", "primary",
             "--external-ip", "198.51.100.1", "--external-dns", "198.51.100.53")

G, R, D, A = "generic", "routing", "dns", "arp"
STATE, LAUNCH, SHELL = "instance.state.running_with_ip", "instance.launch.gets_ip", "instance.shell.reachable"
PING_GW, PING_EXT = "instance.net.ping_gateway", "instance.net.ping_external"
DNS_GW, DNS_EXT, RESOLVER = "instance.dns.gateway", "instance.dns.external", "instance.dns.resolver"
SANE, ARP = "instance.dns.answers_sane", "instance.arp.extra_ips"
PMTU, HTTPS, DHCP_EX = "instance.net.path_mtu", "instance.net.https_external", "instance.launch.dhcp_exchange"
IP_CURRENT, NIC = "instance.state.ip_current", "instance.bridged.nic_configured"


@dataclass(frozen=True)
class Case:
    """One lab scenario: the fault (None: healthy), the suite's extra args, what must fail,
    the triage class, and the wall-time budget of the diagnosis (lab setup excluded)."""

    name: str
    fault: str | None
    fails: frozenset[str]
    triage: str | None
    args: tuple[str, ...] = ()
    budget_s: float = 15.0
    passes: frozenset[str] = field(default_factory=frozenset)  # must pass (not merely not fail)
    retries: int = 0  # random faults (loss): a rerun is allowed once
    remedies: tuple[tuple[str, str], ...] = ()  # check -> remedy, where it is not the catalog's default
    evidence: tuple[tuple[str, str], ...] = ()  # check -> text its message must hold ({rogue}: the rogue's IP)


def case(name, fault, fails, triage, *args, budget=15.0, passes=(), retries=0, remedies=None,
         evidence=None) -> Case:
    return Case(name, fault, frozenset(fails), triage, tuple(args), budget, frozenset(passes), retries,
                tuple((remedies or {}).items()), tuple((evidence or {}).items()))


ALL_BUT_LAUNCH_ARP = {STATE, SHELL, PING_GW, PING_EXT, DNS_GW, DNS_EXT, RESOLVER, SANE, PMTU, HTTPS}
COMMON = [
    case("healthy", None, set(), None, budget=8.0, passes=ALL_BUT_LAUNCH_ARP),
    case("healthy-launch", None, set(), None, "--launch", budget=12.0,
         passes=ALL_BUT_LAUNCH_ARP | {LAUNCH, ARP, DHCP_EX}),
    case("dns-stop", "dns-stop", {DNS_GW, RESOLVER}, D, passes={PING_EXT, DNS_EXT}),
    case("dhcp-stop", "dhcp-stop", {STATE}, G),
    case("dhcp-stop-launch", "dhcp-stop", {LAUNCH, DHCP_EX}, G, "--launch",
         evidence={DHCP_EX: "DISCOVER without OFFER"}),
    case("dhcp-rogue-launch", "dhcp-rogue", {DHCP_EX, PING_GW}, G, "--launch", passes={LAUNCH},
         remedies={DHCP_EX: "instance.dhcp.rogue"}, evidence={DHCP_EX: "OFFER from {rogue}"}),
    case("dhcp-squat", "dhcp-squat", {STATE}, G),
    case("nat-removed", "nat-removed", {PING_EXT}, D, passes={PING_GW, DNS_GW}),
    case("route-hijack", "route-hijack", {SHELL}, R, passes={STATE}),
    case("arp-filter", "arp-filter", {ARP}, A, passes=ALL_BUT_LAUNCH_ARP),
    # the suite's own instance: it adds an alias, probes it from the host, removes it
    case("arp-filter-launch", "arp-filter", {ARP}, A, "--launch", passes=ALL_BUT_LAUNCH_ARP | {LAUNCH}),
    case("loss", "loss", {PING_EXT}, D, passes={PING_GW}, retries=1),
    case("black-hole", "black-hole", {PING_EXT}, D, budget=20.0, passes={PING_GW}),
    case("dns-intercept", "dns-intercept", {SANE}, D, passes={DNS_GW, DNS_EXT, RESOLVER}),
    # the way out: ping and DNS work, full-size packets, TLS or direct HTTPS do not
    case("mtu-blackhole", "mtu-blackhole", {PMTU}, D, passes={PING_GW, PING_EXT, DNS_GW, RESOLVER},
         evidence={PMTU: "1300 bytes (1328-byte packets) is the largest that passes"}),
    case("tls-intercept", "tls-intercept", {HTTPS}, D, passes={PING_EXT, DNS_GW, PMTU},
         evidence={HTTPS: '"Contoso SecureWeb TLS Inspection CA"'}),
    case("proxy-required", "proxy-required", {HTTPS}, D, passes={PING_EXT, DNS_GW, PMTU},
         remedies={HTTPS: "instance.https_blocked"}, evidence={HTTPS: "no TCP connection"}),
]
# Multipass on Linux has ONE dnsmasq for DHCP and DNS: when a squatter holds :53 it dies, and DHCP with it.
BY_LAYOUT = {
    "linux": [*COMMON, case("dns-squat", "dns-squat", {STATE}, G),
              # the rogue's lease is not the one Multipass's own dnsmasq handed out: the reported
              # address no longer matches the host's record either
              case("dhcp-rogue", "dhcp-rogue", {PING_GW, IP_CURRENT}, G),
              # primary is bridged onto the LAN (lab/lan.py): its second NIC, its address as the leases say
              case("healthy-bridged", None, set(), None, "-k", "current or bridged", budget=10.0,
                   passes={IP_CURRENT, NIC}),
              case("stale-ip", "stale-ip", {IP_CURRENT, SHELL}, G, budget=12.0, passes={STATE},
                   evidence={IP_CURRENT: "the reported address is stale"}),
              case("nic-no-dhcp", "nic-no-dhcp", {NIC}, R, "-k", "current or bridged or running", budget=10.0,
                   passes={STATE, IP_CURRENT}, evidence={NIC: "its extra NIC has no IPv4"}),
              # a native nft forward chain (policy drop, replies only) that iptables-save never shows:
              # inside, everything forwarded dies; the gateway's own DNS (input/output, not forward) answers
              # (the host side's linux.firewall.forward names the chain: test_lab_linux)
              case("nft-forward-drop", "nft-forward-drop", {PING_EXT}, D, budget=12.0,
                   passes={PING_GW, DNS_GW, RESOLVER}, evidence={PING_EXT: "no reply from 198.51.100.1"})],
    "macos": [*COMMON, case("dns-squat", "dns-squat", {DNS_GW, RESOLVER}, D, passes={DNS_EXT}),
              case("dhcp-rogue", "dhcp-rogue", {PING_GW}, R)],
}
PARAMS = [pytest.param(layout, c, id=f"{layout}-{c.name}") for layout in LAYOUTS for c in BY_LAYOUT[layout]]


def _unavailable() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the lab needs root"
    try:
        from lab.testing import unavailable_reason
    except ImportError as exc:
        return f"the lab package is not importable: {exc}"
    reason = unavailable_reason()
    if reason:
        return reason
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    from lab.state import HOST_NS

    if HOST_NS in names:
        return f"another lab is up (namespace {HOST_NS} exists): its names are global, so this one cannot start"
    return None


@pytest.fixture(scope="module")
def lab(request):
    """The lab of one layout, up for all its cases (parametrized indirectly by layout)."""
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    from lab import Lab

    lab = Lab(LAB_STATE)
    t0 = time.monotonic()
    lab.up(request.param, ["primary", "second"])
    lab.up_seconds = time.monotonic() - t0
    try:
        yield lab
    finally:
        lab.down()


def run_doctor(lab, reports: Path, *args: str) -> tuple[dict, str, float]:
    """The real suite inside mp-host; returns (diagnosis, output, wall seconds)."""
    env = {**lab.env(), **FAST}
    argv = ["ip", "netns", "exec", lab.state.host_ns, sys.executable, "-m", "pytest", "-q",
            "-p", "no:cacheprovider", f"--reports={reports}", f"--junitxml={reports / 'junit.xml'}",
            *BASE_ARGS, *args]
    t0 = time.monotonic()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    took = time.monotonic() - t0
    path = reports / "diagnosis.json"
    assert path.is_file(), f"no diagnosis:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    return json.loads(path.read_text()), proc.stdout, took


def _failures(diag: dict) -> set[str]:
    return {c["id"] for c in diag["checks"] if c["outcome"] == "failed"}


@pytest.mark.parametrize("lab,case", PARAMS, indirect=["lab"])
def test_fault_gives_exactly_its_findings(lab, case: Case, tmp_path):
    lab.heal()
    if case.fault:
        lab.fault(case.fault)
    try:
        for attempt in range(case.retries + 1):
            diag, out, took = run_doctor(lab, tmp_path / f"r{attempt}", *case.args)
            if _failures(diag) == case.fails:
                break
    finally:
        lab.heal()
    outcomes = {c["id"]: c["outcome"] for c in diag["checks"]}
    summary = "\n".join(f"  {c['outcome']:8} {c['id']}: {c['message'].splitlines()[0][:200] if c['message'] else ''}"
                        for c in diag["checks"])
    if "-k" not in case.args:  # a case may run only the checks it is about (CI time)
        assert set(outcomes) == {c.id for c in catalog.CHECKS if c.side == "instance"}, summary
    assert _failures(diag) == case.fails, f"{case.name}: expected {sorted(case.fails)}\n{summary}\n{out[-1500:]}"
    assert "error" not in outcomes.values(), summary
    for cid in case.passes:
        assert outcomes[cid] == "passed", f"{cid} should pass in {case.name}\n{summary}"
    # the triage names the right problem class, and each failure carries its documented remedy
    if case.triage is None:
        assert diag["triage"] is None, diag["triage"]
    else:
        assert diag["triage"]["problem_class"] == case.triage, (diag["triage"], summary)
    for cid in case.fails:
        rec = next(c for c in diag["checks"] if c["id"] == cid)
        assert rec["message"].startswith(cid), rec["message"]
        remedy = rec["remedy"]
        wanted = dict(case.remedies).get(cid, catalog.spec(cid).remedy)
        assert remedy and remedy["id"] == wanted and remedy["doc"].startswith("https://"), rec
        for command in remedy["commands"]:
            assert command in rec["message"], (command, rec["message"])
    rogue = lab.state.instances["second"].ip or "?"
    for cid, text in case.evidence:
        rec = next(c for c in diag["checks"] if c["id"] == cid)
        assert text.format(rogue=rogue) in rec["message"], (text, rec["message"])
    for rec in diag["checks"]:
        if rec["outcome"] == "skipped":
            assert rec["message"], f"{rec['id']} skipped without a reason"
    # bounded time: well inside the budget (the benchmark prints the real figures)
    assert took < case.budget_s * 2, f"{case.name} took {took:.1f} s (budget {case.budget_s} s)"
    # a launched instance is always deleted and purged
    if "--launch" in case.args:
        leftovers = [n for n in lab.state.instances if n.startswith("mpdiag-")]
        assert not leftovers, f"launched instances left behind: {leftovers}"
        assert "deleted and purged the launched instance mpdiag-" in out


@pytest.mark.parametrize("lab", ["linux"], indirect=True)
def test_interrupted_launched_run_leaves_nothing(lab, tmp_path):
    """Ctrl-C in the middle of a --launch run: the instance is still deleted and purged."""
    lab.heal()
    env = {**lab.env(), **FAST}
    argv = ["ip", "netns", "exec", lab.state.host_ns, sys.executable, "-m", "pytest", "-q",
            "-p", "no:cacheprovider", f"--reports={tmp_path}", *BASE_ARGS, "--launch"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(n.startswith("mpdiag-") for n in lab.state.instances):
        time.sleep(0.05)
    assert any(n.startswith("mpdiag-") for n in lab.state.instances), "the launch never happened"
    time.sleep(1.0)  # inside the checks now
    proc.send_signal(2)
    out, _ = proc.communicate(timeout=60)
    assert not [n for n in lab.state.instances if n.startswith("mpdiag-")], out[-2000:]
    assert not [ns for ns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
                if ns.startswith(f"{lab.state.instance_prefix}mpdiag-")], out[-2000:]


PROXY_ENV = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY")


def _image_servers(lab, tmp_path, shell: dict[str, str]) -> dict:
    """linux.multipass.image_servers, run by the real suite inside the lab's host with a given
    shell environment (the stand-in's `find` takes its proxy from the lab's multipassd)."""
    from selftests.test_lab_linux import lab_env

    env = {k: v for k, v in os.environ.items() if k not in PROXY_ENV and k != "PYTEST_XDIST_WORKER"}
    prefix = ["ip", "netns", "exec", lab.state.host_ns, "env", *(f"{k}={v}" for k, v in {**lab_env(lab), **shell}.items())]
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--reports={tmp_path}",
            "tests_host", "-k", "image_servers"]
    subprocess.run(prefix + argv, cwd=ROOT, env={**env, **FAST}, capture_output=True, text=True, timeout=120)
    diag = json.loads((tmp_path / "diagnosis.json").read_text())
    return next(c for c in diag["checks"] if c["id"] == "linux.multipass.image_servers")


@pytest.mark.parametrize("lab", ["linux"], indirect=True)
def test_image_servers_and_the_daemons_proxy(lab, tmp_path):
    """Healthy: find answers. proxy-required with the proxy only in the user's shell: find fails
    with the daemon's words and the misplaced proxy is named; once the daemon has http_proxy
    (its environment, as `snap set multipass proxy.http=` gives it), find answers again."""
    proxy = f"http://{lab.state.proxy_ip}:{lab.state.proxy_port}"
    lab.heal()
    try:
        assert _image_servers(lab, tmp_path / "a", {})["outcome"] == "passed"
        lab.fault("proxy-required")
        rec = _image_servers(lab, tmp_path / "b", {"http_proxy": proxy})
        assert rec["outcome"] == "failed", rec
        assert 'Remote "" is unknown or unreachable' in rec["message"], rec["message"]
        assert "the daemon uses no proxy" in rec["message"] and f"http_proxy={proxy}" in rec["message"]
        assert rec["remedy"]["id"] == "linux.multipass_proxy"
        lab.set_daemon_proxy({"https_proxy": proxy})  # the daemon never reads https_proxy
        rec = _image_servers(lab, tmp_path / "c", {})
        assert rec["outcome"] == "failed" and "which it never reads" in rec["message"], rec["message"]
        lab.set_daemon_proxy({"http_proxy": proxy})
        rec = _image_servers(lab, tmp_path / "d", {"http_proxy": proxy})
        assert rec["outcome"] == "passed", rec["message"]
    finally:
        lab.heal()


def _normalised(diag: dict) -> dict:
    """Outcome and message of every check, digits and a launched instance's name masked
    (round-trip times and the name differ run to run)."""
    import re

    return {c["id"]: (c["outcome"], re.sub(r"\d+(\.\d+)?", "#", re.sub(r"mpdiag-[0-9a-f]{6}", "mpdiag-X", c["message"] or "")))
            for c in diag["checks"]}


@pytest.mark.parametrize("lab,fault,extra", [("linux", None, ()), ("linux", "nat-removed", ()),
                                             ("linux", "route-hijack", ()), ("linux", None, ("--launch",)),
                                             ("linux", "arp-filter", ("--launch",))],
                         indirect=["lab"], ids=["healthy", "nat-removed", "route-hijack", "healthy-launch",
                                                "arp-filter-launch"])
def test_prefetch_answers_as_a_serial_run(lab, fault, extra, tmp_path):
    """The same outcomes and messages with the prefetch (the default) and with --no-prefetch
    (launched: the prefetch adds the ARP check's alias ahead of the check)."""
    lab.heal()
    if fault:
        lab.fault(fault)
    try:
        ahead, _, _ = run_doctor(lab, tmp_path / "prefetch", *extra)
        serial, _, _ = run_doctor(lab, tmp_path / "serial", "--no-prefetch", *extra)
    finally:
        lab.heal()
    a, s = _normalised(ahead), _normalised(serial)
    assert a == s, {cid: (s.get(cid), a.get(cid)) for cid in set(a) | set(s) if a.get(cid) != s.get(cid)}


@pytest.mark.parametrize("lab", ["linux"], indirect=True)
def test_a_recorded_live_run_replays_to_the_same_answers(lab, tmp_path):
    """--record of a live run whose probes are called with several params (the path-MTU
    ladder: ping_df per size and target; a ping and a dig per target and server; on the host,
    arping of two extra addresses of primary) replays, anywhere, to the same outcome and
    message of every check: one bundle file per params."""
    lab.heal()
    extras = [f"{lab.state.subnet_prefix}.{n}" for n in (201, 202)]
    bundle = tmp_path / "bundle"
    for ip in extras:
        lab.add_alias("primary", ip)
    try:
        live, out, _ = run_doctor(lab, tmp_path / "live", "--record", str(bundle))
    finally:
        for ip in extras:
            lab.remove_alias("primary", ip)
    by_probe: dict[str, int] = {}
    for probes in (bundle / "instances" / "primary" / "probes", bundle / "probes"):
        for s in (p.name[:-4] for p in probes.glob("*.out") if "--" in p.name):
            by_probe[s.split("--")[0]] = by_probe.get(s.split("--")[0], 0) + 1
    assert sum(1 for n in by_probe.values() if n >= 2) >= 2 and len(by_probe) >= 3, (by_probe, out[-2000:])
    assert by_probe.get("arping") == 2, (by_probe, out[-2000:])  # one file per target, neither overwritten
    arp = next(c for c in live["checks"] if c["id"] == ARP)
    assert arp["outcome"] == "passed", arp
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           f"--reports={tmp_path / 'replay'}", *BASE_ARGS, "--replay", str(bundle)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    path = tmp_path / "replay" / "diagnosis.json"
    assert path.is_file(), f"{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    replayed = json.loads(path.read_text())
    a = {c["id"]: (c["outcome"], c["message"]) for c in live["checks"]}
    b = {c["id"]: (c["outcome"], c["message"]) for c in replayed["checks"]}
    assert a == b, {cid: (a.get(cid), b.get(cid)) for cid in set(a) | set(b) if a.get(cid) != b.get(cid)}
    assert any(o == "passed" for o, _ in a.values())


LAUNCHED = "lanbr"


def _standin(lab, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The lab's `multipass`, run as `lab up` is, from this mount namespace: it reaches the lab's
    namespaces with `ip -n`/`ip netns exec` itself, and a namespace it adds must outlive the call
    (one added under `ip netns exec`, whose mounts are private to it, would not)."""
    return subprocess.run(["multipass", *args], env={**lab.env(), **(env or {})}, capture_output=True,
                          text=True, timeout=60)


def _gone(lab, name: str) -> None:
    _standin(lab, "delete", "--purge", name)
    assert name not in lab.state.instances


@pytest.mark.parametrize("lab,fault", [("linux", None), ("linux", "nic-no-dhcp")], indirect=["lab"],
                         ids=["healthy", "nic-no-dhcp"])
def test_launch_network_onto_the_lan_bridge(lab, fault, tmp_path):
    """`multipass launch --network br-eth1` (an existing bridge: no authorization needed) gives
    the new instance a second NIC on the LAN, `local.<i>.bridged` true, and the suite run at that
    instance passes its bridged and address checks; with the LAN's DHCP down (nic-no-dhcp) the
    launch still succeeds and exactly instance.bridged.nic_configured fails, with its remedy."""
    lab.heal()
    if fault:
        lab.fault(fault)
    try:
        proc = _standin(lab, "launch", "--name", LAUNCHED, "--network", f"name={lan_bridge()},mode=auto")
        assert proc.returncode == 0 and proc.stdout == f"Launched: {LAUNCHED}\n", proc
        got = _standin(lab, "get", f"local.{LAUNCHED}.bridged")
        assert got.stdout == "true\n", got
        info = json.loads(_standin(lab, "info", LAUNCHED, "--format", "json").stdout)["info"][LAUNCHED]
        lan = [ip for ip in info["ipv4"] if ip.startswith("192.168.77.")]
        assert bool(lan) == (fault is None), info["ipv4"]
        diag, out, took = run_doctor(lab, tmp_path, "--instance", LAUNCHED, "-k", "current or bridged or running")
    finally:
        _gone(lab, LAUNCHED)
        lab.heal()
    outcomes = {c["id"]: c["outcome"] for c in diag["checks"]}
    want_failed = {NIC} if fault else set()
    assert _failures(diag) == want_failed, (outcomes, out[-2000:])
    assert "error" not in outcomes.values(), outcomes
    for cid in {STATE, IP_CURRENT, NIC} - want_failed:
        assert outcomes[cid] == "passed", (cid, outcomes, out[-2000:])
    if fault:
        rec = next(c for c in diag["checks"] if c["id"] == NIC)
        assert rec["message"].startswith(f"{NIC}: {LAUNCHED} is bridged but"), rec["message"]
        assert rec["remedy"]["id"] == catalog.spec(NIC).remedy and rec["remedy"]["doc"].startswith("https://")
        for command in rec["remedy"]["commands"]:
            assert command in rec["message"], (command, rec["message"])
        assert diag["triage"]["problem_class"] == R, diag["triage"]
    else:
        assert diag["triage"] is None, diag["triage"]
    assert took < 20, f"took {took:.1f} s"


INVALID_116 = "Invalid network options supplied"
INVALID_MAIN = ("Invalid network options. To troubleshoot, see "
                "https://canonical.com/multipass/docs/stable/how-to-guides/troubleshoot/")


@pytest.mark.parametrize("lab", ["linux"], indirect=True)
def test_launch_network_refusals_in_the_clients_words(lab):
    """What the real client and daemon print for a `--network` they refuse (multipass-networking-2026.md
    §2.2), and that no instance is left behind: an unknown name (1.16.3 and main wording), an
    ethernet NIC without a bridge (no TTY: no authorization), client-side parse errors (exit 1)."""
    lab.heal()
    before = set(lab.state.instances)
    cases = [
        (("--network", "eth9"), {}, 2, f"launch failed: Invalid arguments supplied\n{INVALID_116}\n"),
        (("--network", "name=eth9"), {"MPLAB_VERSION": "1.17.0-dev.1412+g1e2d3c4"}, 2,
         f"launch failed: Invalid arguments supplied\n{INVALID_MAIN}\n"),
        (("--network", "wan0"), {}, 2, f"launch failed: Missing bridges\n{INVALID_116}\n"),
        (("--network", "name=br-eth1,mode=bogus"), {}, 1, "error: Bad network mode 'bogus', need 'auto' or 'manual'\n"),
        (("--network", "name=br-eth1,mac=52:54:00:zz:00:01"), {}, 1, "error: Invalid MAC address: 52:54:00:zz:00:01\n"),
        (("--network", "name=br-eth1,colour=red"), {}, 1, "error: Bad network field: colour\n"),
        (("--network", "mode=manual"), {}, 1, "error: Bad network definition, need at least a 'name' field\n"),
    ]
    try:
        for args, env, rc, stderr in cases:
            proc = _standin(lab, "launch", "--name", "refused", *args, env=env)
            assert (proc.returncode, proc.stderr, proc.stdout) == (rc, stderr, ""), (args, proc)
        # `--bridged` with local.bridged-network naming a missing network (bridged-missing): §2.1's message
        lab.fault("bridged-missing")
        proc = _standin(lab, "launch", "--name", "refused", "--bridged")
        assert proc.returncode == 2 and proc.stderr == (
            "launch failed: Invalid network 'eth7' set as bridged interface, use `multipass set "
            "local.bridged-network=<name>` to correct. See `multipass networks` for valid names.\n"), proc
    finally:
        lab.heal()
    assert set(lab.state.instances) == before, lab.state.instances
    assert not [ns for ns in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
                if ns.endswith("-i-refused")]


def lan_bridge() -> str:
    from lab.lan import HOST_BRIDGE

    return HOST_BRIDGE
