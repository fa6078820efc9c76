"""Remote hosts for real: two lab hosts behind real sshd servers (Debian's openssh-server),
each with its own fault, diagnosed by `pytest --hosts ... -n 2` from a controller namespace.

Each host is a whole lab of its own (MPLAB_NS_PREFIX sh1 / sh2: `sh1-host` is a Multipass
QEMU host with its bridge, dnsmasq, firewall and the Multipass stand-in), with a veth from
the controller namespace `shctl` into its host namespace. Keys (client and host) are made
here, each sshd runs from a temp sshd_config on its lab address and is stopped by PID;
nothing is configured in the root namespace. Two more targets, a closed port (refused) and
a user sshd does not allow (authentication fails), are one error row each, in ssh's words.
`python -m mpdiag.fleet` over the run's reports shows the four side by side.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mpdiag import catalog
from selftests.suite import ROOT

pytestmark = pytest.mark.lab

CTL = "shctl"
# prefix -> (fault, exactly the linux.* host checks it fails); the other host's fault passes here,
# the rest pass or skip alike on both hosts (the journal always skips: the lab has no snap)
HOSTS = {"sh1": ("ip-forward-off", {"linux.sysctl.ip_forward"}),
         "sh2": ("dhcp-blocked", {"linux.firewall.dhcp_allowed"})}
LINUX_IDS = sorted(c.id for c in catalog.CHECKS if c.platform == "linux")
SKIPS = {"linux.logs.known_errors"}  # the lab has no snap.multipass journal


def _address(i: int) -> tuple[str, str]:
    """(host side, controller side) of host i's /30 link (TEST-NET-1, inside lab namespaces only)."""
    return f"192.0.2.{4 * i + 1}", f"192.0.2.{4 * i + 2}"


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
    taken = [n for n in names if n == CTL or any(n.startswith(f"{p}-") for p in HOSTS)]
    if taken:
        return f"namespaces of another run exist ({' '.join(taken)}): is one still running?"
    return None


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    why = _unavailable()
    if why:
        pytest.skip(why)
    from lab.netns import run
    from lab.sshd import Sshd, client_config, keygen

    work = tmp_path_factory.mktemp("ssh-lab")
    servers: list[Sshd] = []
    try:
        with ThreadPoolExecutor(len(HOSTS)) as pool:  # the labs come up side by side
            ups = list(pool.map(lambda p: _lab(p, "up", "--instances", "1"), HOSTS))
        for prefix, up in zip(HOSTS, ups):
            assert up.returncode == 0, (prefix, up.stderr)
            fault = _lab(prefix, "fault", HOSTS[prefix][0])
            assert fault.returncode == 0, (prefix, fault.stderr)
        run(["ip", "netns", "add", CTL])
        run(["ip", "-n", CTL, "link", "set", "lo", "up"])
        client = keygen(work / "client_ed25519", "controller")
        known = []
        for i, prefix in enumerate(HOSTS):
            host_ip, ctl_ip = _address(i)
            run(["ip", "-n", f"{prefix}-host", "link", "add", "sshc0", "type", "veth", "peer", "name", f"to-{prefix}",
                 "netns", CTL])
            run(["ip", "-n", f"{prefix}-host", "addr", "add", f"{host_ip}/30", "dev", "sshc0"])
            run(["ip", "-n", f"{prefix}-host", "link", "set", "sshc0", "up"])
            run(["ip", "-n", CTL, "addr", "add", f"{ctl_ip}/30", "dev", f"to-{prefix}"])
            run(["ip", "-n", CTL, "link", "set", f"to-{prefix}", "up"])
            state = f"/run/{prefix}-lab"
            env = {"PATH": f"{ROOT / 'lab' / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "LAB_STATE": state, "MPLAB_NS_PREFIX": prefix, "MPDIAG_MULTIPASS_DATA": f"{state}/data"}
            server = Sshd(prefix, f"{prefix}-host", host_ip, work, env)
            servers.append(server)
            known.append(server.start(client))
        config = client_config(work / "ssh_config", work / "client_ed25519", known)
        yield work, config, servers
    finally:
        for server in servers:
            server.stop()
        for prefix in HOSTS:
            run(["ip", "-n", f"{prefix}-host", "link", "del", "sshc0"], check=False)
        run(["ip", "netns", "del", CTL], check=False)
        with ThreadPoolExecutor(len(HOSTS)) as pool:
            list(pool.map(lambda p: _lab(p, "down"), HOSTS))


def test_each_host_gets_its_own_verdict_over_real_sshd(fleet):
    work, config, servers = fleet
    labels = [f"root@{_address(i)[0]}" for i in range(len(HOSTS))]
    dead = f"root@{_address(0)[0]}:2"  # the first host's address, a closed port: refused
    denied = f"nobody@{_address(1)[0]}"  # sshd allows root only: authentication fails
    reports = work / "reports"
    argv = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-m", "linux and host", "-n", "2",
            "--hosts", ",".join(f"ssh://{x}" for x in [*labels, dead, denied]), "--ssh-config", str(config),
            f"--reports={reports}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(["ip", "netns", "exec", CTL, *argv], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=240)
    out = proc.stdout
    assert proc.returncode == 1, (out[-4000:], proc.stderr[-2000:])
    every_fault = {i for _, failing in HOSTS.values() for i in failing}
    verdicts = {}
    for label, (prefix, (fault, failing)) in zip(labels, HOSTS.items()):
        doc = json.loads((reports / label / "diagnosis.json").read_text())
        got = verdicts[label] = {c["id"]: c["outcome"] for c in doc["checks"]}
        assert set(got) == set(LINUX_IDS), (label, set(LINUX_IDS) ^ set(got))
        assert {i for i, o in got.items() if o == "failed"} == failing, (label, fault, got, out[-3000:])
        # the lab's hosts are this machine: in a (privileged) container linux.host.environment warns
        odd = {i for i, o in got.items() if o not in ("passed", "skipped", "failed")}
        assert odd <= {"linux.host.environment"} and got["linux.host.environment"] in ("passed", "warned"), \
            (label, got)
        assert all(got[i] == "passed" for i in every_fault - failing), (label, got)  # the other host's fault
        assert all(got[i] == "skipped" for i in SKIPS), (label, got)
        assert doc["host"] == label and doc["platform"] == "linux" and doc["mode"] == "live"
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
    for label, words in ((dead, "Connection refused"), (denied, "Permission denied (publickey")):
        unreachable = json.loads((reports / label.replace(":", "_") / "diagnosis.json").read_text())
        assert [(c["id"], c["outcome"]) for c in unreachable["checks"]] == [("host.ssh.reachable", "error")]
        assert words in unreachable["checks"][0]["message"], unreachable["checks"][0]["message"]
        assert f"ERROR fixtures/ssh_hosts.py::ssh[{label}]" in out
    hosts_in_allure = set()
    for f in (reports / "allure-results").glob("*-result.json"):
        hosts_in_allure |= {lab["value"] for lab in json.loads(f.read_text())["labels"] if lab["name"] == "host"}
    assert hosts_in_allure == {*labels, dead, denied}
    junit = (reports / "junit.xml").read_text()
    assert all(f"[{label}]" in junit for label in labels)
    # every ssh of the run is gone: the masters closed, the sshd sessions ended
    left = subprocess.run(["ip", "netns", "pids", CTL], capture_output=True, text=True).stdout.split()
    assert left == [], left
    summary = subprocess.run([sys.executable, "-m", "mpdiag.fleet", str(reports), "-o", str(work / "fleet")],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert summary.returncode == 0, summary.stderr
    doc = json.loads((work / "fleet" / "fleet.json").read_text())
    assert sorted(h["host"] for h in doc["hosts"]) == sorted([*labels, dead, denied])
    assert set(doc["failing"]) >= {i for _, failing in HOSTS.values() for i in failing}, doc["failing"]
    html = (work / "fleet" / "fleet.html").read_text()
    assert all(label in html for label in labels)
