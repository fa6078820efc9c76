"""The CI templates users copy run as written: each template's own commands, on Linux,
against a replay bundle instead of `--launch` (selftests/ci_templates.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mpdiag.bundle import open_bundle
from selftests.ci_templates import GitHubJob, allure_cli, run_gitlab, shims, workdir
from selftests.suite import ROOT, SCENARIOS

GITHUB = ROOT / "ci" / "github" / "nightly.yml"
GITLAB = ROOT / "ci" / "gitlab" / "nightly.yml"
HIJACK = SCENARIOS / "macos" / "vpn-route-hijack"
LINUX_SQUAT = SCENARIOS / "linux" / "port53-squat"

pytestmark = pytest.mark.slow  # the templates set up a venv, as a runner does (~1 min)


@pytest.fixture(scope="module")
def path_with_npx(tmp_path_factory) -> str:
    cli = allure_cli()
    if cli is None:
        pytest.skip("npm/node (or npm install allure@3) unavailable: the templates render Allure with npx")
    return f"{shims(tmp_path_factory.mktemp('bin'), cli)}{os.pathsep}{os.environ['PATH']}"


def _stand_in_recording(work: Path, bundle: Path) -> None:
    """Where `--record reports/bundle` would have written the bundle, the replayed one."""
    shutil.copytree(bundle, work / "reports" / "bundle")


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """One checkout for every job here: the first set-up step makes its venv, the others reuse it
    (as on a self-hosted runner); each job starts without the previous job's reports."""
    return workdir(tmp_path_factory.mktemp("ci") / "checkout")


@pytest.fixture
def clean(checkout) -> Path:
    for name in ("reports", "hosts", "fleet", "allure-history"):
        shutil.rmtree(checkout / name, ignore_errors=True)
    return checkout


@pytest.fixture(scope="module")
def github(checkout, path_with_npx):
    work = checkout
    _stand_in_recording(work, HIJACK)
    job = GitHubJob(GITHUB, "doctor", work, {"DOCTOR_ARGS": f"--replay {HIJACK}", "RUNNER_NAME": "mac mini 3",
                                              "PATH": path_with_npx, "VARS_MPDIAG_HOST_LABEL": ""})
    return work, job, job.run()


def test_github_doctor_job_runs_every_step(github):
    work, job, ran = github
    names = [n for n, _, _ in ran]
    assert names == ["Set up the doctor", "Diagnose", "Pack the recorded bundle",
                     "Render the Allure report (with history)", "Fail when a check failed"], ran
    rcs = {n: rc for n, rc, _ in ran}
    for name in names[:-1]:
        assert rcs[name] == 0, next(out for n, _, out in ran if n == name)[-3000:]
    assert job.outputs["diagnose"]["rc"] == "1"  # the route check fails on this bundle
    assert rcs["Fail when a check failed"] == 1  # ... so the job fails, after every report is kept
    doc = json.loads((work / "reports" / "diagnosis.json").read_text())
    assert doc["host"] == "mac-mini-3"  # the runner's name, made a host label
    assert doc["triage"]["check"] == "macos.route.subnet_on_bridge"
    assert open_bundle(work / "reports" / "bundle.tar.gz").platform == "macos"
    assert not (work / "reports" / "bundle").exists()
    assert (work / "reports" / "allure-report" / "index.html").is_file()
    assert (work / "allure-history" / "history.jsonl").stat().st_size > 0  # what the cache keeps
    for name in ("report.html", "junit.xml", "allure-results"):
        assert (work / "reports" / name).exists(), name


def test_github_fleet_job_merges_the_downloaded_reports(github, tmp_path):
    work, _, _ = github
    fleet = workdir(tmp_path / "checkout")  # a GitHub-hosted runner: only the checkout
    shutil.copytree(work / "reports", fleet / "hosts" / "doctor-mac-mini-3")  # what download-artifact does
    ran = GitHubJob(GITHUB, "fleet", fleet, {}).run()
    assert [rc for _, rc, _ in ran] == [0], ran
    doc = json.loads((fleet / "fleet" / "fleet.json").read_text())
    assert [h["host"] for h in doc["hosts"]] == ["mac-mini-3"]
    assert doc["failing"] == ["macos.route.subnet_on_bridge"]
    assert (fleet / "fleet" / "fleet.html").is_file()


def test_gitlab_doctor_and_fleet_jobs(github, clean, path_with_npx):
    """The doctor job keeps every report, then fails with the doctor's exit status; the fleet job merges."""
    work = clean
    _stand_in_recording(work, LINUX_SQUAT)
    env = {"DOCTOR_ARGS": f"--replay {LINUX_SQUAT}", "CI_JOB_NAME": "doctor-linux",
           "CI_RUNNER_DESCRIPTION": "lab runner", "PATH": path_with_npx}
    proc = run_gitlab(GITLAB, "doctor-linux", work, env)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "doctor: exit status 1" in proc.stdout
    kept = work / "hosts" / "doctor-linux"  # the job's artifacts
    doc = json.loads((kept / "diagnosis.json").read_text())
    assert doc["host"] == "lab-runner" and doc["triage"]["check"] == "linux.dnsmasq.serving"
    assert open_bundle(kept / "bundle.tar.gz").platform == "linux"
    assert (kept / "allure-report" / "index.html").is_file() and (kept / "report.html").is_file()
    assert (work / "allure-history" / "history.jsonl").stat().st_size > 0
    proc = run_gitlab(GITLAB, "fleet", work, {})
    assert proc.returncode == 0, proc.stderr[-2000:]
    fleet = json.loads((work / "fleet" / "fleet.json").read_text())
    assert [h["host"] for h in fleet["hosts"]] == ["lab-runner"]
    assert "linux.dnsmasq.serving" in fleet["failing"]
