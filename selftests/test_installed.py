"""`pip install .` gives `multipass-doctor`, which runs the installed suite from any directory.

One fresh venv per module: the project (a clean copy of its files, so no build/ leftovers
end up in the wheel) installed with pip, not editable; pip's wheel cache makes it quick on a
second run. Every run is from a directory outside the project: `/`, or a temporary
directory holding a pytest.ini, a conftest.py and a test file of its own (none of which may
be collected).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from selftests.suite import ROOT

pytestmark = pytest.mark.slow  # ~25 s for the venv on an idle machine, then a second per run

EXAMPLE = ROOT / "scenarios" / "macos" / "vpn-route-hijack"
COPY_IGNORED = shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "__pycache__", "reports",
                                      ".hypothesis", "selftests", "lab", "benchmarks")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The `multipass-doctor` of a fresh venv with the project pip-installed (not editable)."""
    base = tmp_path_factory.mktemp("installed")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORED)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    pip = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                          str(src)], capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    shutil.rmtree(src)  # the command must not need the source tree
    exe = bindir / ("multipass-doctor.exe" if os.name == "nt" else "multipass-doctor")
    assert exe.is_file(), f"pip install did not create {exe}"
    return exe


def doctor(exe: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["PYTEST_ADDOPTS"] = f"{ROOT / 'selftests'}"  # would add the selftests as test paths: must be ignored
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


def site_suite(exe: Path) -> Path:
    out = subprocess.run([str(exe.parent / "python"), "-c",
                          "from fixtures.cli import suite_root; print(suite_root())"],
                         capture_output=True, text=True, cwd="/", check=True)
    return Path(out.stdout.strip())


def outcomes(reports: Path) -> dict[str, str]:
    diagnosis = json.loads((reports / "diagnosis.json").read_text())
    return {c["id"]: c["outcome"] for c in diagnosis["checks"]}


def test_replay_from_root_fails_with_the_expected_check(installed, tmp_path):
    reports = tmp_path / "r"
    run = doctor(installed, "--replay", str(EXAMPLE), "--reports", str(reports), "-q", cwd=Path("/"))
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    expected = json.loads((EXAMPLE / "expected.json").read_text())
    got = outcomes(reports)
    assert {k: got.get(k) for k in expected} == expected
    assert got["macos.route.subnet_on_bridge"] == "failed"
    assert "macos.route.subnet_on_bridge" in run.stdout


def test_the_installed_suite_is_the_projects(installed):
    """Every check module of the project is in the installed suite, and nothing of the
    selftests or the lab (so a new module of the checks is never left out)."""
    suite = site_suite(installed)
    assert "site-packages" in suite.parts, suite
    want = {p.relative_to(ROOT).as_posix() for d in ("tests_host", "tests_instance") for p in (ROOT / d).rglob("*.py")}
    got = {p.relative_to(suite).as_posix() for d in ("tests_host", "tests_instance") for p in (suite / d).rglob("*.py")}
    assert got == want
    assert (suite / "pytest.ini").is_file() and (suite / "conftest.py").is_file()
    assert (suite / "scenarios/macos/vpn-route-hijack/manifest.json").is_file()
    assert not (suite / "selftests").exists() and not (suite / "lab").exists() and not (suite / "setup.py").exists()


def test_reports_go_to_the_working_directory_and_a_local_ini_is_ignored(installed, tmp_path):
    """No --reports: ./reports of the working directory. The directory's own pytest.ini,
    conftest.py and test file change nothing: the doctor chooses its rootdir and ini."""
    (tmp_path / "pytest.ini").write_text("[pytest]\ntestpaths = .\naddopts = -p no:doctor\n")
    (tmp_path / "conftest.py").write_text("raise RuntimeError('a foreign conftest was loaded')\n")
    (tmp_path / "test_foreign.py").write_text("def test_foreign():\n    assert False\n")
    (tmp_path / "bundle").symlink_to(EXAMPLE) if os.name != "nt" else shutil.copytree(EXAMPLE, tmp_path / "bundle")
    run = doctor(installed, "--replay", "bundle", "-q", cwd=tmp_path)  # a relative bundle path: from the cwd
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert "test_foreign" not in run.stdout and "foreign conftest" not in run.stdout + run.stderr
    assert outcomes(tmp_path / "reports")["macos.route.subnet_on_bridge"] == "failed"
    assert not (site_suite(installed) / "reports").exists(), "reports were written into site-packages"


def test_no_multipass_replays_the_installed_example(installed, tmp_path):
    run = doctor(installed, "-q", "--reports", "r", cwd=tmp_path)
    assert "replaying the example bundle" in run.stderr
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert outcomes(tmp_path / "r")["macos.route.subnet_on_bridge"] == "failed"


@pytest.mark.parametrize("args", [("tests_host",), ("-c", "pytest.ini"), ("--rootdir=/tmp",), ("-p", "no:doctor"),
                                  ("-o", "testpaths=."), ("--ignore", "x"), ("--pyargs", "os")])
def test_options_that_change_the_collection_are_refused(installed, tmp_path, args):
    run = doctor(installed, "--replay", str(EXAMPLE), *args, cwd=tmp_path)
    assert run.returncode == 4, run.stdout[-2000:] + run.stderr[-2000:]
    assert "multipass-doctor" in run.stdout + run.stderr
    assert not (tmp_path / "reports" / "diagnosis.json").exists()


def test_list_checks(installed):
    from mpdiag import catalog

    run = doctor(installed, "--list-checks", cwd=Path("/"))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(catalog.CHECKS)
    for spec, line in zip(catalog.CHECKS, lines):
        cols = line.split(None, 3)
        assert cols[:3] == [spec.id, spec.problem_class, spec.platform or "all"], line
        assert cols[3] == spec.title


def test_explain_prints_the_remedy(installed):
    from mpdiag import catalog, remedies

    run = doctor(installed, "--explain", "macos.dns.port53_exclusive", cwd=Path("/"))
    assert run.returncode == 0, run.stderr
    r = remedies.remedy(catalog.spec("macos.dns.port53_exclusive").remedy)
    assert r.title in run.stdout
    assert "$ sudo lsof -iTCP:53 -iUDP:53 -n -P" in run.stdout
    assert r.doc in run.stdout
    assert "passed" not in run.stdout and "collected" not in run.stdout  # nothing ran


def test_explain_an_unknown_id_is_one_line_with_close_matches(installed):
    run = doctor(installed, "--explain", "macos.dns.port53", cwd=Path("/"))
    assert run.returncode == 4
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown check ID 'macos.dns.port53'" in lines[0]
    assert "macos.dns.port53_exclusive" in lines[0]
