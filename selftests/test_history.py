"""Allure 3 keeps each check's history between nights (the templates' ci/allurerc.json):
two successive nights of one host, and the generated report shows the flip."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest

from selftests.ci_templates import allure_cli
from selftests.suite import ROOT, SCENARIOS, run_suite

ROUTE = "macos.route.subnet_on_bridge"
CONFIG = ROOT / "ci" / "allurerc.json"


@pytest.mark.slow
def test_two_nights_show_the_check_flip_from_passed_to_failed(tmp_path):
    cli = allure_cli()
    if cli is None:
        pytest.skip("npm/node (or npm install allure@3) unavailable: cannot render the Allure report")
    ci = tmp_path / "runner"  # the CI workspace: allure-history/ is what the cache keeps between nights
    ci.mkdir()
    nights = [("healthy", "passed"), ("vpn-route-hijack", "failed")]
    for n, (scenario, _) in enumerate(nights):
        if n:
            time.sleep(1.1)  # two nights, two start times
        shutil.rmtree(ci / "reports", ignore_errors=True)  # a fresh checkout each night
        run = run_suite("--replay", str(SCENARIOS / "macos" / scenario), "--host-label", "mac-ci",
                        reports=ci / "reports")
        assert run.diagnosis["host"] == "mac-ci"
        proc = subprocess.run([str(cli), "generate", "reports/allure-results", "--config", str(CONFIG)], cwd=ci,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    history = (ci / "allure-history" / "history.jsonl").read_text().splitlines()
    assert len(history) == 2  # one entry per night
    results = []
    for f in (ci / "reports" / "allure-report" / "data" / "test-results").glob("*.json"):
        r = json.loads(f.read_text())
        if any(lb["name"] == "story" and lb["value"] == ROUTE for lb in r.get("labels", [])):
            results.append(r)
    assert len(results) == 1, f"{len(results)} results for {ROUTE}"
    r = results[0]
    assert r["status"] == "failed"
    assert [h["status"] for h in r["history"]] == ["passed"]  # night 1, from the history file
    assert r["transition"] == "regressed"
    assert {lb["value"] for lb in r["labels"] if lb["name"] == "host"} == {"mac-ci"}
