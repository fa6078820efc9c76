"""`pytest --hosts`: strict host strings, options it refuses, and an unreachable host as one
clear error row with its own diagnosis (real ssh to a closed loopback port). Reachable
hosts over real sshd, each with its own fault, are the lab's (test_ssh_lab.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from selftests.suite import ROOT, run_suite

pytestmark = pytest.mark.skipif(shutil.which("ssh") is None, reason="no OpenSSH client")


@pytest.mark.parametrize("value, words", [
    ("ssh://-oProxyCommand=touch${IFS}/tmp/x", "is not a host name or address"),
    ("ssh://root@host;id", "is not a host name or address"),
    ("root@host", "is not an ssh://[user@]host[:port] address"),
    ("ssh://a b@host", "is not a user name"),
    ("ssh://host:0", "port 0 is out of range"),
    (",", "--hosts names no host"),
])
def test_bad_host_strings_are_one_line_usage_errors(value, words, tmp_path):
    run = run_suite(f"--hosts={value}", "-m", "host", reports=tmp_path, timeout=60)
    assert run.rc == 4, (run.stdout[-2000:], run.stderr[-2000:])
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "--hosts:" in errors[0] and words in errors[0], run.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("other", [("--replay", "scenarios/linux/healthy"), ("--launch",), ("--host-label", "x")])
def test_hosts_refuse_what_names_one_host(other, tmp_path):
    run = run_suite("--hosts", "ssh://127.0.0.1:1", *other, reports=tmp_path, timeout=60)
    assert run.rc == 4 and f"--hosts does not go with {other[0]}" in run.stderr, run.stderr[-2000:]


def test_ssh_config_must_be_a_file(tmp_path):
    run = run_suite("--hosts", "ssh://127.0.0.1:1", "--ssh-config", str(tmp_path / "nope"), reports=tmp_path,
                    timeout=60)
    assert run.rc == 4 and "--ssh-config" in run.stderr and "is not a file" in run.stderr


@pytest.mark.parametrize("value", ["0", "nan", "601"])
def test_ssh_timeout_is_bounded(value, tmp_path):
    run = run_suite("--hosts", "ssh://127.0.0.1:1", "--ssh-timeout", value, reports=tmp_path, timeout=60)
    assert run.rc == 4 and "--ssh-timeout" in run.stderr and "is not 1 to 600 seconds" in run.stderr, run.stderr


def test_unreachable_host_is_one_error_row_in_its_own_report(tmp_path):
    """Connection refused on loopback: no check runs against it, one error row says ssh's words,
    its diagnosis is under reports/<label>/ and the fleet summary shows it; --record makes no
    bundle for it (nothing was probed), nor one for this machine."""
    reports = tmp_path / "reports"
    run = run_suite("--hosts", "ssh://nobody@127.0.0.1:1", "-m", "linux and host", "--record",
                    str(tmp_path / "bundles"), reports=reports, timeout=120)
    assert not (tmp_path / "bundles").exists() or not list((tmp_path / "bundles").rglob("manifest.json"))
    assert run.rc == 1, (run.stdout[-3000:], run.stderr[-2000:])
    assert "ERROR fixtures/ssh_hosts.py::ssh[nobody@127.0.0.1:1]" in run.stdout
    assert "Connection refused" in run.stdout and "Traceback" not in run.stdout
    assert "1 error" in run.stdout.splitlines()[-1] and "passed" not in run.stdout.splitlines()[-1]
    doc = json.loads((reports / "nobody@127.0.0.1_1" / "diagnosis.json").read_text())
    assert doc["host"] == "nobody@127.0.0.1:1"
    assert [(c["id"], c["outcome"]) for c in doc["checks"]] == [("host.ssh.reachable", "error")]
    assert "ssh: connect to host 127.0.0.1 port 1: Connection refused" in doc["checks"][0]["message"]
    assert not (reports / "diagnosis.json").exists()  # one diagnosis per host, none for this machine
    out = tmp_path / "fleet"
    fleet = subprocess.run([sys.executable, "-m", "mpdiag.fleet", str(reports), "-o", str(out)], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert fleet.returncode == 0, fleet.stderr
    summary = json.loads((out / "fleet.json").read_text())
    assert [h["host"] for h in summary["hosts"]] == ["nobody@127.0.0.1:1"]


def test_the_remote_hosts_own_names_are_redacted_the_names_given_stay():
    """What the first contact told (`uname -n`, `id -un`) is redacted like this machine's names;
    the host and user named in --hosts stay, as the label of every report row."""
    from fixtures.ssh_hosts import Host, tell_redactor
    from mpdiag import redact
    from mpdiag.ssh import RemoteHost, SshSource, SshTarget

    mac = SshTarget("admin", "mac-1.lab")
    found = [Host(mac, source=SshSource(mac, RemoteHost("macos", False, "Anas-MacBook-Pro.local", "ana"))),
             Host(SshTarget("root", "10.0.0.7", 2222), error="refused")]
    redactor = redact.for_run(enabled=True)
    tell_redactor(redactor, found)
    text = redactor.redact("ana@Anas-MacBook-Pro.local /Users/ana admin@mac-1.lab root@10.0.0.7:2222")
    assert "Anas-MacBook-Pro" not in text and "/Users/ana" not in text, text
    assert "admin@mac-1.lab" in text and "root@10.0.0.7:2222" in text, text
