"""Reports with a host dimension, and the fleet summary over real runs (replayed scenarios)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mpdiag.fleet import load_runs, render, summarize
from mpdiag.fleet.runs import RunError, parse_run
from selftests.suite import ROOT, SCENARIOS, SuiteRun, run_suite

ROUTE = "macos.route.subnet_on_bridge"
HEALTHY = SCENARIOS / "macos" / "healthy"
HIJACK = SCENARIOS / "macos" / "vpn-route-hijack"
SQUAT = SCENARIOS / "linux" / "port53-squat-format-1"  # two linux failures, no instance listing


def _replay(tmp_path_factory, bundle: Path, *args: str) -> SuiteRun:
    return run_suite("--replay", str(bundle), *args, reports=tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> SuiteRun:
    return _replay(tmp_path_factory, HIJACK, "--host-label", "mac-ci-7")


@pytest.fixture(scope="module")
def fleet_runs(tmp_path_factory) -> dict[str, SuiteRun]:
    """Three hosts; mac-a has two nights (healthy, then the VPN hijack), a second apart."""
    runs = {"mac-a-1": _replay(tmp_path_factory, HEALTHY, "--host-label", "mac-a")}
    time.sleep(1.1)  # `started` has a one-second resolution
    runs["mac-a-2"] = _replay(tmp_path_factory, HIJACK, "--host-label", "mac-a")
    runs["mac-b"] = _replay(tmp_path_factory, HIJACK, "--host-label", "mac-b")
    runs["lin-c"] = _replay(tmp_path_factory, SQUAT, "--host-label", "lin-c")
    return runs


def fleet_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mpdiag.fleet", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


# --- the host in every report -------------------------------------------------------------------
def test_host_label_in_diagnosis_html_and_allure(labelled):
    assert labelled.rc == 1
    doc = labelled.diagnosis
    assert doc["host"] == "mac-ci-7" and doc["environment"]["host"] == "mac-ci-7"
    page = (labelled.reports / "report.html").read_text()
    assert "Host" in page and "mac-ci-7" in page
    hosts = set()
    for f in (labelled.reports / "allure-results").glob("*-result.json"):
        labels = json.loads(f.read_text())["labels"]
        values = [lb["value"] for lb in labels if lb["name"] == "host"]
        assert len(values) == 1, f"{f.name}: host labels {values}"
        hosts.add(values[0])
    assert hosts == {"mac-ci-7"}
    props = (labelled.reports / "allure-results" / "environment.properties").read_text()
    assert "host=mac-ci-7" in props.splitlines()


def test_replay_without_label_names_the_bundle(tmp_path):
    run = run_suite("--replay", str(HIJACK), "-p", "no:allure_pytest", reports=tmp_path)
    assert run.diagnosis["host"] == "vpn-route-hijack"


def test_recorded_label_travels_with_the_bundle(tmp_path):
    """`--record` with `--host-label` writes the label into the manifest; replay takes it."""
    bundle = tmp_path / "bundle"
    run_suite("--record", str(bundle), "--host-label", "studio-mac", "tests_host/macos/test_multipass.py",
              "-p", "no:allure_pytest", reports=tmp_path / "r0")
    assert json.loads((bundle / "manifest.json").read_text())["host"] == "studio-mac"
    run = run_suite("--replay", str(bundle), "-p", "no:allure_pytest", reports=tmp_path / "r1")
    assert run.diagnosis["host"] == "studio-mac"


@pytest.mark.parametrize("label", ["a b", "-x", "<script>", "x" * 101, ""])
def test_bad_host_label_is_a_usage_error(tmp_path, label):
    run = run_suite("--replay", str(HEALTHY), f"--host-label={label}", reports=tmp_path)
    assert run.rc == 4
    assert "is not a host label" in run.stderr


# --- the fleet summary ---------------------------------------------------------------------------
def test_fleet_matrix_order_and_since(fleet_runs, tmp_path):
    out = tmp_path / "out"
    proc = fleet_cli(*(str(r.reports) for r in fleet_runs.values()), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "fleet.json").read_text())
    assert [h["host"] for h in doc["hosts"]] == ["lin-c", "mac-a", "mac-b"]
    mac_a = next(h for h in doc["hosts"] if h["host"] == "mac-a")
    assert len(mac_a["nights"]) == 2 and mac_a["started"] == fleet_runs["mac-a-2"].diagnosis["started"]
    assert mac_a["triage"]["check"] == ROUTE
    rows = {c["id"]: c for c in doc["checks"]}
    route = rows[ROUTE]
    assert route["failing_hosts"] == ["mac-a", "mac-b"]
    # a macOS check is not collected on a Linux host (only what applies): no outcome there
    assert route["outcomes"] == {"lin-c": None, "mac-a": "failed", "mac-b": "failed"}
    # the check failing on the most hosts comes first; the Linux ones (one host) after it
    assert doc["checks"][0]["id"] == ROUTE
    assert {c["id"] for c in doc["checks"][1:3]} == {"linux.dnsmasq.serving", "linux.ports.exclusive"}
    assert doc["failing"][:1] == [ROUTE]
    # mac-a: failing since night 2, passed on night 1; mac-b: one night, no earlier pass
    night1, night2 = (fleet_runs[k].diagnosis["started"] for k in ("mac-a-1", "mac-a-2"))
    assert route["since"]["mac-a"] == {"since": night2, "nights": 1,
                                       "last_ok": {"started": night1, "outcome": "passed"}}
    assert route["since"]["mac-b"]["last_ok"] is None
    page = (out / "fleet.html").read_text()
    assert not re.search(r"""(src|href)=["']?https?:""", page), "fleet.html must be self-contained"
    matrix = page[page.index("<h2>Checks by host"):]
    assert matrix.index(ROUTE) < matrix.index("linux.dnsmasq.serving")
    assert "failing since " + night2 in page and "last passed " + night1 in page
    assert "fleet: 3 host(s), 4 run(s)" in proc.stdout


def test_fleet_skips_bad_reports_with_one_line_each(fleet_runs, tmp_path):
    bad = tmp_path / "bad"
    cases = {"truncated": '{"checks": [', "not-a-diagnosis": "[1, 2]", "binary": b"\xff\xfe\x00",
             "bad-outcome": json.dumps({"started": "x", "checks": [{"id": "a", "outcome": "green"}]})}
    for name, body in cases.items():
        (bad / name).mkdir(parents=True)
        p = bad / name / "diagnosis.json"
        p.write_bytes(body if isinstance(body, bytes) else body.encode())
    (bad / "empty").mkdir()
    args = [str(bad / n) for n in [*cases, "empty", "missing"]]
    proc = fleet_cli(str(fleet_runs["mac-b"].reports), *args, "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(args), proc.stderr
    for name in [*cases, "empty", "missing"]:
        assert sum(str(bad / name) in line for line in lines) == 1, (name, proc.stderr)
    assert "not JSON" in proc.stderr and "not UTF-8" in proc.stderr and "'green'" in proc.stderr
    assert "holds no diagnosis.json" in proc.stderr and "does not exist" in proc.stderr
    doc = json.loads((tmp_path / "out" / "fleet.json").read_text())
    assert [h["host"] for h in doc["hosts"]] == ["mac-b"] and len(doc["warnings"]) == len(args)


def test_fleet_with_nothing_readable_fails(tmp_path):
    proc = fleet_cli(str(tmp_path / "nothing"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "no readable diagnosis.json" in proc.stderr
    assert not (tmp_path / "out" / "fleet.json").exists()


def test_fleet_reads_a_folder_of_artifacts_and_drops_a_report_given_twice(fleet_runs, tmp_path):
    folder = tmp_path / "artifacts"
    for key in ("mac-a-1", "mac-a-2"):
        shutil.copytree(fleet_runs[key].reports, folder / key)
    runs, warnings = load_runs([folder, fleet_runs["mac-a-2"].reports])
    assert warnings == [] and len(runs) == 3
    doc = summarize(runs)
    assert len(doc["hosts"]) == 1 and len(doc["hosts"][0]["nights"]) == 2
    assert len(doc["warnings"]) == 1 and "the same run as" in doc["warnings"][0]


def test_fleet_page_escapes_what_reports_say(fleet_runs):
    doc = fleet_runs["mac-b"].diagnosis
    doc["host"] = '<script>alert("x")</script>'
    doc["triage"]["first_step"] = "<img src=x onerror=alert(1)>"
    page = render(summarize([parse_run(doc, "forged", "forged")]))
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_parse_run_rejects_what_is_not_a_diagnosis():
    for doc, why in (([], "not an object"), ({"checks": {}}, "no `checks` list"),
                     ({"checks": [{"outcome": "passed"}], "started": "t"}, "has no `id`"),
                     ({"checks": [], "started": 5}, "`started` is int")):
        with pytest.raises(RunError, match=re.escape(why)):
            parse_run(doc, "f", "h")
