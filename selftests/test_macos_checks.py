"""The macOS checks through the real suite: skipped on this (Linux) host, replayed from a
bundle outside the project, every check reported, every check tested both ways."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
from collections import defaultdict

import pytest

from mpdiag import catalog
from mpdiag.remedies import REMEDIES
from selftests.suite import ROOT, run_suite, scenarios

MACOS_IDS = {c.id for c in catalog.CHECKS if c.platform == "macos"}
HEALTHY = ROOT / "scenarios" / "macos" / "healthy"


@pytest.mark.skipif(sys.platform == "darwin", reason="this test is about a non-macOS host")
def test_live_on_this_host_every_macos_check_skips(tmp_path):
    run = run_suite("-m", "macos", reports=tmp_path)
    checks = {c["id"]: c for c in run.diagnosis["checks"]}
    assert set(checks) == MACOS_IDS, run.stdout[-2000:]
    for cid, rec in checks.items():
        assert rec["outcome"] == "skipped", rec
        assert "macOS check; this host is linux" in rec["message"], rec
    assert run.rc == 0, run.stdout[-2000:]


def test_replay_a_targz_outside_the_project_space_separated(tmp_path):
    outside = tmp_path / "Downloads"
    outside.mkdir()
    bundle = outside / "bundle.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(HEALTHY, arcname="mac-recording")
    reports = tmp_path / "reports"
    run = run_suite("--replay", str(bundle), reports=reports)
    expected = json.loads((HEALTHY / "expected.json").read_text())
    got = run.outcomes()
    assert {k: got.get(k) for k in expected} == expected, run.stdout[-3000:]
    assert run.diagnosis["mode"] == "replay" and run.diagnosis["platform"] == "macos"
    assert run.diagnosis["environment"]["subnet"] == "192.168.252.0/24"
    assert run.rc == 0, run.stdout[-3000:]


def test_replay_from_another_directory(tmp_path):
    """`pytest --replay /abs/bundle` typed in a directory outside the project still finds the suite
    when the project is given as the rootdir (the README's form)."""
    copy = tmp_path / "healthy"
    shutil.copytree(HEALTHY, copy)
    reports = tmp_path / "reports"
    run = run_suite(f"--rootdir={ROOT}", "-c", str(ROOT / "pytest.ini"), "--replay", str(copy),
                    str(ROOT / "tests_host" / "macos"), reports=reports, cwd=tmp_path)
    assert set(run.outcomes()) >= MACOS_IDS, run.stdout[-3000:] + run.stderr[-2000:]


def test_healthy_diagnosis_lists_every_macos_check(tmp_path):
    run = run_suite("--replay", str(HEALTHY), reports=tmp_path)
    checks = {c["id"]: c for c in run.diagnosis["checks"] if c["id"].startswith("macos.")}
    assert set(checks) == MACOS_IDS
    for cid, rec in checks.items():
        assert rec["outcome"] in ("passed", "skipped"), rec
        assert rec["problem_class"] == catalog.spec(cid).problem_class
        if rec["outcome"] == "skipped":
            assert rec["message"].startswith(cid + ": "), rec  # skipped with its reason
    assert run.diagnosis["environment"]["driver"] == "qemu"


def _scenario_outcomes() -> dict[str, dict[str, str]]:
    return {p.name: json.loads((p / "expected.json").read_text()) for p in scenarios("macos")}


def test_every_scenario_lists_every_macos_check():
    for name, expected in _scenario_outcomes().items():
        assert MACOS_IDS <= set(expected), (name, sorted(MACOS_IDS - set(expected)))


def test_every_check_is_tested_both_ways():
    seen: dict[str, set[str]] = defaultdict(set)
    for expected in _scenario_outcomes().values():
        for cid, outcome in expected.items():
            seen[cid].add(outcome)
    for cid in MACOS_IDS:
        if cid == "macos.multipass.driver":  # informational: it skips on another driver, never fails
            assert {"passed", "skipped"} <= seen[cid]
            continue
        bad = "warned" if cid.startswith("macos.interference.") else "failed"
        assert {"passed", bad} <= seen[cid], (cid, seen[cid])
    assert "error" in seen["macos.dns.port53_exclusive"]  # unreadable output is never a pass


def test_interference_checks_never_fail():
    for name, expected in _scenario_outcomes().items():
        for cid, outcome in expected.items():
            if cid.startswith("macos.interference."):
                assert outcome != "failed", (name, cid)


def test_no_macos_remedy_edits_bootpd_plist_or_hardcodes_the_old_subnet():
    for rid, r in REMEDIES.items():
        if not (rid.startswith("macos.") or rid.startswith("multipass.")):
            continue
        for line in (r.text, *r.commands):
            assert "/etc/bootpd.plist" not in line, rid
            assert "192.168.64.0/24" not in line, rid


def test_every_macos_check_has_a_test():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "tests_host/macos"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the check markers of every test the modules define (a factory's too: tests_host/bridged.py),
    # read outside this pytest run, whose strict markers do not know `check`
    marks = subprocess.run([sys.executable, "-c", _MARKED_CHECKS, "tests_host/macos"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert marks.returncode == 0, marks.stderr
    marked = set(json.loads(marks.stdout))
    assert set(MACOS_IDS) <= marked, sorted(set(MACOS_IDS) - marked)


_MARKED_CHECKS = """
import importlib, json, pathlib, sys
ids = set()
for path in pathlib.Path(sys.argv[1]).glob("test_*.py"):
    module = importlib.import_module(".".join(path.with_suffix("").parts))
    ids |= {m.args[0] for name, fn in vars(module).items() if name.startswith("test_")
            for m in getattr(fn, "pytestmark", ()) if m.name == "check"}
print(json.dumps(sorted(ids)))
"""


def test_checks_read_probes_only():
    """No macOS check runs a command itself (subprocess, os.system, the runner)."""
    for path in (ROOT / "tests_host" / "macos").glob("*.py"):
        text = path.read_text()
        for forbidden in ("subprocess", "os.system", "runner.run", "Popen"):
            assert forbidden not in text, (path.name, forbidden)
