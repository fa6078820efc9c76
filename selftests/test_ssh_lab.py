"""Remote hosts for real: two lab hosts behind real sshd servers (Debian's openssh-server),
each with its own fault, diagnosed by `pytest --hosts ... -n 2` from a controller namespace.

Each host is a whole lab of its own (MPLAB_NS_PREFIX sh1 / sh2: `sh1-host` is a Multipass
QEMU host with its bridge, dnsmasq, firewall, an instance `primary` and the Multipass
stand-in first on the ssh session's PATH), with a veth from the controller namespace
`shctl` into its host namespace. A third namespace, `shblk`, holds an address whose input
hook drops every packet (a host that never answers the SYN: ssh's connect timeout). Keys
(client, host, and a stranger key no server accepts) are made here, each sshd runs from a
temp sshd_config on its lab address and is stopped by PID; nothing is configured in the
root namespace. Each test sets its own faults (heal, then apply), so their order is free.

- host checks: each host's own verdict; a closed port, a user sshd refuses, a key it
  refuses and the silent address are one error row each, in ssh's words, and
  `python -m mpdiag.fleet` over the run shows all of them side by side;
- the silent address: the error comes within the connect timeout plus a small margin;
- the whole suite (host and in-instance checks, `multipass exec` on each remote host)
  with `--record`: gateway DNS stopped on one host only, each host's in-instance verdicts,
  and each host's bundle replays to the verdicts of the live run.

Longer than ~300 lines on purpose: the two-host fleet (namespaces, sshd servers, keys) is built
once for all its cases and kept beside them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from mpdiag import catalog
from selftests.suite import ROOT

pytestmark = pytest.mark.lab

CTL = "shctl"
BLK = "shblk"  # accepts nothing: every packet to its address is dropped on input
# prefix -> (fault, exactly the linux.* host checks it fails); the other host's fault passes here,
# the rest pass or skip alike on both hosts (the journal always skips: the lab has no snap)
HOSTS = {"sh1": ("ip-forward-off", {"linux.sysctl.ip_forward"}),
         "sh2": ("dhcp-blocked", {"linux.firewall.dhcp_allowed"})}
LINUX_IDS = sorted(c.id for c in catalog.CHECKS if c.platform == "linux")
INSTANCE_IDS = sorted(c.id for c in catalog.CHECKS if c.side == "instance")
SKIPS = {"linux.logs.known_errors"}  # the lab has no snap.multipass journal
INSTANCE_ARGS = ("--instance", "primary", "--external-ip", "198.51.100.1", "--external-dns", "198.51.100.53")
DNS_GW, RESOLVER, HTTPS = "instance.dns.gateway", "instance.dns.resolver", "instance.net.https_external"
# what the healthy lab's instance passes (the launch and ARP checks need --launch)
INSTANCE_PASSES = {"instance.state.running_with_ip", "instance.shell.reachable", "instance.net.ping_gateway",
                   "instance.net.ping_external", DNS_GW, "instance.dns.external", RESOLVER,
                   "instance.dns.answers_sane", "instance.net.path_mtu", HTTPS}
CONNECT_TIMEOUT = 2


def _address(i: int) -> tuple[str, str]:
    """(far side, controller side) of link i's /30 (TEST-NET-1, inside lab namespaces only)."""
    return f"192.0.2.{4 * i + 1}", f"192.0.2.{4 * i + 2}"


SILENT = _address(len(HOSTS))[0]  # in shblk


def _lab(prefix: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLAB_NS_PREFIX": prefix, "LAB_STATE": f"/run/{prefix}-lab"}
    return subprocess.run([sys.executable, "-m", "lab", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def _unavailable() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the lab needs root"
    from lab.sshd import SSHD
    from lab.testing import unavailable_reason

    why = unavailable_reason()
    if why:
        return why
    if not os.access(SSHD, os.X_OK) or shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        return "openssh-server / openssh-client are not installed (./selftest installs them)"
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    taken = [n for n in names if n in (CTL, BLK) or any(n.startswith(f"{p}-") for p in HOSTS)]
    if taken:
        return f"namespaces of another run exist ({' '.join(taken)}): is one still running?"
    return None


@dataclass
class Fleet:
    work: Path
    config: Path  # the controller's ssh_config (ssh -F)
    labels: list  # the reachable hosts' --hosts labels, in HOSTS' order

    def faults(self, wanted: dict) -> None:
        """Every host healed, then prefix -> fault applied."""
        for prefix in HOSTS:
            healed = _lab(prefix, "heal")
            assert healed.returncode == 0, (prefix, healed.stderr)
            if wanted.get(prefix):
                fault = _lab(prefix, "fault", wanted[prefix])
                assert fault.returncode == 0, (prefix, fault.stderr)


@contextmanager
def fleet_lab(work: Path) -> Iterator[Fleet]:
    """The two labs, the controller and the silent namespace, the sshd servers; all gone after."""
    from lab.netns import run
    from lab.sshd import Sshd, client_config, keygen

    servers: list[Sshd] = []
    try:
        with ThreadPoolExecutor(len(HOSTS)) as pool:  # the labs come up side by side
            ups = list(pool.map(lambda p: _lab(p, "up", "--instances", "1"), HOSTS))
        for prefix, up in zip(HOSTS, ups):
            assert up.returncode == 0, (prefix, up.stderr)
        for ns in (CTL, BLK):
            run(["ip", "netns", "add", ns])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        client = keygen(work / "client_ed25519", "controller")
        keygen(work / "stranger_ed25519", "stranger")  # in no authorized_keys
        known = []
        for i, prefix in enumerate(HOSTS):
            host_ip, ctl_ip = _address(i)
            _veth(run, f"{prefix}-host", "sshc0", host_ip, f"to-{prefix}", ctl_ip)
            state = f"/run/{prefix}-lab"
            env = {"PATH": f"{ROOT / 'lab' / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "LAB_STATE": state, "MPLAB_NS_PREFIX": prefix, "MPDIAG_MULTIPASS_DATA": f"{state}/data"}
            server = Sshd(prefix, f"{prefix}-host", host_ip, work, env)
            servers.append(server)
            known.append(server.start(client))
        _veth(run, BLK, "blk0", SILENT, "to-blk", _address(len(HOSTS))[1])
        run(["ip", "netns", "exec", BLK, "nft", "-f", "-"],
            input="table inet sink {\n chain input { type filter hook input priority 0; policy drop; }\n}\n")
        config = client_config(work / "ssh_config", work / "client_ed25519", known,
                               aliases={"stranger": (_address(1)[0], work / "stranger_ed25519")})
        yield Fleet(work, config, [f"root@{_address(i)[0]}" for i in range(len(HOSTS))])
    finally:
        for server in servers:
            server.stop()
        for prefix in HOSTS:
            run(["ip", "-n", f"{prefix}-host", "link", "del", "sshc0"], check=False)
        for ns in (CTL, BLK):
            run(["ip", "netns", "del", ns], check=False)
        with ThreadPoolExecutor(len(HOSTS)) as pool:
            list(pool.map(lambda p: _lab(p, "down"), HOSTS))


def _veth(run, ns: str, dev: str, address: str, ctl_dev: str, ctl_address: str) -> None:
    """A /30 veth from namespace `ns` (dev, address) to the controller (ctl_dev, ctl_address)."""
    run(["ip", "-n", ns, "link", "add", dev, "type", "veth", "peer", "name", ctl_dev, "netns", CTL])
    run(["ip", "-n", ns, "addr", "add", f"{address}/30", "dev", dev])
    run(["ip", "-n", ns, "link", "set", dev, "up"])
    run(["ip", "-n", CTL, "addr", "add", f"{ctl_address}/30", "dev", ctl_dev])
    run(["ip", "-n", CTL, "link", "set", ctl_dev, "up"])


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    why = _unavailable()
    if why:
        pytest.skip(why)
    with fleet_lab(tmp_path_factory.mktemp("ssh-lab")) as found:
        yield found


def _doctor(fleet: Fleet, hosts: list, reports: Path, *args: str) -> subprocess.CompletedProcess:
    """The suite from the controller namespace against `hosts` (args: `-n 2` for two workers)."""
    argv = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider",
            "--hosts", ",".join(f"ssh://{x}" for x in hosts), "--ssh-config", str(fleet.config),
            "--ssh-timeout", str(CONNECT_TIMEOUT), f"--reports={reports}", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(["ip", "netns", "exec", CTL, *argv], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=240)


def _verdicts(doc: dict) -> dict:
    return {c["id"]: c["outcome"] for c in doc["checks"]}


def test_each_host_gets_its_own_verdict_over_real_sshd(fleet):
    fleet.faults({prefix: fault for prefix, (fault, _) in HOSTS.items()})
    labels = fleet.labels
    dead = f"root@{_address(0)[0]}:2"  # the first host's address, a closed port: refused
    denied = f"nobody@{_address(1)[0]}"  # sshd allows root only: authentication fails
    stranger = "root@stranger"  # the second host with a key it does not know (BatchMode: no prompt)
    silent = f"root@{SILENT}"  # never answers: the connect timeout
    unreachable = {dead: "ssh: connect to host 192.0.2.1 port 2: Connection refused",
                   denied: "Permission denied (publickey)", stranger: "root@192.0.2.5: Permission denied (publickey)",
                   silent: f"ssh: connect to host {SILENT} port 22: Connection timed out (no answer within the "
                           f"{CONNECT_TIMEOUT} s connect timeout)"}
    reports = fleet.work / "reports"
    proc = _doctor(fleet, [*labels, *unreachable], reports, "-n", "2", "-m", "linux and host")
    out = proc.stdout
    assert proc.returncode == 1, (out[-4000:], proc.stderr[-2000:])
    every_fault = {i for _, failing in HOSTS.values() for i in failing}
    verdicts = {}
    for label, (prefix, (fault, failing)) in zip(labels, HOSTS.items()):
        doc = json.loads((reports / label / "diagnosis.json").read_text())
        got = verdicts[label] = _verdicts(doc)
        assert set(got) == set(LINUX_IDS), (label, set(LINUX_IDS) ^ set(got))
        assert {i for i, o in got.items() if o == "failed"} == failing, (label, fault, got, out[-3000:])
        # the lab's hosts are this machine: in a (privileged) container linux.host.environment warns
        odd = {i for i, o in got.items() if o not in ("passed", "skipped", "failed")}
        assert odd <= {"linux.host.environment"} and got["linux.host.environment"] in ("passed", "warned"), \
            (label, got)
        assert all(got[i] == "passed" for i in every_fault - failing), (label, got)  # the other host's fault
        assert all(got[i] == "skipped" for i in SKIPS), (label, got)
        assert doc["host"] == label and doc["platform"] == "linux" and doc["mode"] == "live"
        assert all(label in (reports / label / name).read_text() for name in ("report.html", "issue.md")), label
        assert doc["environment"]["subnet"] == "10.97.23.0/24", doc["environment"]
        assert doc["triage"]["check"] in failing, doc["triage"]
        for check_id in failing:
            rec = next(c for c in doc["checks"] if c["id"] == check_id)
            assert rec["message"].startswith(check_id) and rec["remedy"], rec
            assert all(p["argv"][0] == "ssh" and label.split("@")[1] in " ".join(p["argv"]) for p in rec["probes"])
        workers = set(re.findall(rf"\[(gw\d+)\] .*\[{re.escape(label)}\]", out))
        assert len(workers) == 1, (label, workers)  # one worker per host: each host probed once
    assert len({w for label in labels for w in re.findall(rf"\[(gw\d+)\] .*\[{re.escape(label)}\]", out)}) == 2
    # the same lab layout: apart from the faults, both hosts answer alike (whatever does not apply skips on both)
    same = {i for i in LINUX_IDS if i not in every_fault}
    assert {i: verdicts[labels[0]][i] for i in same} == {i: verdicts[labels[1]][i] for i in same}
    for label, words in unreachable.items():
        doc = json.loads((reports / label.replace(":", "_") / "diagnosis.json").read_text())
        assert [(c["id"], c["outcome"]) for c in doc["checks"]] == [("host.ssh.reachable", "error")], label
        message = doc["checks"][0]["message"]
        assert f"{label} is unreachable over ssh: " in message and words in message, message
        assert f"ERROR fixtures/ssh_hosts.py::ssh[{label}]" in out
    hosts_in_allure = set()
    for f in (reports / "allure-results").glob("*-result.json"):
        hosts_in_allure |= {lab["value"] for lab in json.loads(f.read_text())["labels"] if lab["name"] == "host"}
    assert hosts_in_allure == {*labels, *unreachable}
    junit = (reports / "junit.xml").read_text()
    assert all(f"[{label}]" in junit for label in labels)
    # every ssh of the run is gone: the masters closed, the sshd sessions ended
    left = subprocess.run(["ip", "netns", "pids", CTL], capture_output=True, text=True).stdout.split()
    assert left == [], left
    summary = subprocess.run([sys.executable, "-m", "mpdiag.fleet", str(reports), "-o", str(fleet.work / "fleet")],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert summary.returncode == 0, summary.stderr
    doc = json.loads((fleet.work / "fleet" / "fleet.json").read_text())
    assert sorted(h["host"] for h in doc["hosts"]) == sorted([*labels, *unreachable])
    assert set(doc["failing"]) >= every_fault, doc["failing"]
    html = (fleet.work / "fleet" / "fleet.html").read_text()
    assert all(label in html for label in labels)


def test_a_host_that_never_answers_is_given_up_after_the_connect_timeout(fleet):
    """The first contact with the silent address, from the controller: a ProbeError naming the
    host and the timeout, no sooner than ssh's ConnectTimeout and within a small margin of it."""
    script = ("import json, sys, time\n"
              "from mpdiag.errors import ProbeError\n"
              "from mpdiag.ssh import SshTarget, detect\n"
              "t0 = time.monotonic()\n"
              "try:\n"
              f"    detect(SshTarget('root', {SILENT!r}), {CONNECT_TIMEOUT}, ('-F', sys.argv[1]))\n"
              "    said = None\n"
              "except ProbeError as exc:\n"
              "    said = str(exc)\n"
              "print(json.dumps({'said': said, 'seconds': time.monotonic() - t0}))\n")
    proc = subprocess.run(["ip", "netns", "exec", CTL, sys.executable, "-c", script, str(fleet.config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["said"] == (f"root@{SILENT} is unreachable over ssh: ssh: connect to host {SILENT} port 22: "
                           f"Connection timed out (no answer within the {CONNECT_TIMEOUT} s connect timeout)"), got
    assert CONNECT_TIMEOUT - 0.2 <= got["seconds"] < CONNECT_TIMEOUT + 1.5, got


def test_whole_suite_over_ssh_in_instance_verdicts_and_each_hosts_bundle_replays(fleet):
    """`multipass exec` on each remote host (the stand-in there): gateway DNS stopped on sh2
    fails its DNS checks (and the host's dnsmasq check) with their remedies, sh1 is healthy; `--record` writes
    one bundle per host, named by its label, and each replays to that host's live verdicts. One
    process (no xdist here, -n 2 is the host test's) probes both hosts and writes both bundles."""
    fleet.faults({"sh2": "dns-stop"})
    healthy, broken = fleet.labels
    reports, bundles = fleet.work / "whole", fleet.work / "bundles"
    proc = _doctor(fleet, fleet.labels, reports, "--record", str(bundles), *INSTANCE_ARGS)
    out = proc.stdout
    assert proc.returncode == 1, (out[-4000:], proc.stderr[-2000:])
    live = {label: json.loads((reports / label / "diagnosis.json").read_text()) for label in fleet.labels}
    for label, doc in live.items():
        got = _verdicts(doc)
        assert set(got) == set(LINUX_IDS) | set(INSTANCE_IDS), (label, (set(LINUX_IDS) | set(INSTANCE_IDS)) ^ set(got))
        assert "error" not in got.values(), (label, [c for c in doc["checks"] if c["outcome"] == "error"])
        assert all(got[i] == "passed" for i in INSTANCE_PASSES - {DNS_GW, RESOLVER, HTTPS}), (label, got)
        instance_probes = [p for c in doc["checks"] if c["id"].startswith("instance.") for p in c["probes"]]
        assert any(p["argv"][:1] == ["ssh"] and "exec" in " ".join(p["argv"]) for p in instance_probes), label
    assert {i for i, o in _verdicts(live[healthy]).items() if o == "failed"} == set(), out[-3000:]
    assert all(_verdicts(live[healthy])[i] == "passed" for i in INSTANCE_PASSES)
    # the host side sees it too: its dnsmasq serves no DNS; HTTPS needs the name resolved first
    broken_verdicts = _verdicts(live[broken])
    failed = {i for i, o in broken_verdicts.items() if o == "failed"}
    assert failed == {"linux.dnsmasq.serving", DNS_GW, RESOLVER}, (failed, out[-3000:])
    assert broken_verdicts[HTTPS] == "skipped" and broken_verdicts["instance.dns.external"] == "passed"
    assert live[broken]["triage"]["check"] == "linux.dnsmasq.serving", live[broken]["triage"]
    for check_id in failed:
        rec = next(c for c in live[broken]["checks"] if c["id"] == check_id)
        assert rec["message"].startswith(check_id), rec
        assert rec["remedy"] and rec["remedy"]["id"] == catalog.spec(check_id).remedy, rec
        assert rec["remedy"]["doc"].startswith("https://"), rec
    # one bundle per host, named by its label; no bundle of the controller
    assert sorted(p.name for p in bundles.iterdir()) == sorted(fleet.labels)
    assert not (bundles / "manifest.json").exists()

    def replay(label: str) -> tuple:
        target = fleet.work / f"replayed-{label}"
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--replay",
                               str(bundles / label), f"--reports={target}", *INSTANCE_ARGS], cwd=ROOT,
                              capture_output=True, text=True, timeout=180,
                              env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")})
        return done, target

    with ThreadPoolExecutor(2) as pool:
        replays = dict(zip(fleet.labels, pool.map(replay, fleet.labels)))
    for label, (done, target) in replays.items():
        manifest = json.loads((bundles / label / "manifest.json").read_text())
        assert manifest["host"] == label and manifest["platform"] == "linux", manifest
        assert done.returncode == (1 if label == broken else 0), (label, done.stdout[-3000:], done.stderr[-2000:])
        doc = json.loads((target / "diagnosis.json").read_text())
        assert doc["mode"] == "replay" and doc["host"] == label, (doc["mode"], doc["host"])
        assert _verdicts(doc) == _verdicts(live[label]), (label, {i: (o, _verdicts(doc).get(i)) for i, o in
                                                                  _verdicts(live[label]).items()
                                                                  if _verdicts(doc).get(i) != o})
        assert doc["triage"] == live[label]["triage"], (label, doc["triage"], live[label]["triage"])
