"""Every replay scenario through the real suite: exactly the expected outcomes, with remedies."""

from __future__ import annotations

import json

import pytest

from mpdiag import catalog
from selftests.suite import run_suite, scenarios

ALL = [p for platform in catalog.PLATFORMS for p in scenarios(platform)]


@pytest.mark.parametrize("scenario", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scenario(scenario, tmp_path):
    expected: dict[str, str] = json.loads((scenario / "expected.json").read_text())
    run = run_suite("--replay", str(scenario), reports=tmp_path)
    got = run.outcomes()
    assert got, f"no check ran:\n{run.stdout}\n{run.stderr}"
    mismatched = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
    assert not mismatched, f"expected vs got: {mismatched}\n{run.stdout[-3000:]}"
    failed = {k for k, v in got.items() if v == "failed"}
    assert failed == {k for k, v in expected.items() if v == "failed"}, run.stdout[-3000:]
    errors = {k for k, v in got.items() if v == "error"}
    assert errors == {k for k, v in expected.items() if v == "error"}, run.stdout[-3000:]
    for check_id in failed:
        rec = run.check(check_id)
        assert rec["message"].startswith(check_id), rec["message"]
        assert rec["remedy"] and rec["remedy"]["doc"].startswith("https://"), rec
        for command in rec["remedy"]["commands"]:
            assert command in rec["message"], (command, rec["message"])
    assert run.rc == (1 if failed or errors else 0), run.stdout[-2000:]
    known_file = scenario / "known_issues.json"
    known = json.loads(known_file.read_text()) if known_file.exists() else []
    named = run.diagnosis.get("known_issues") or []
    assert [k["issue"] for k in named] == known, named  # a scenario without the file matches no known issue
    for k in named:
        assert f"known upstream issue #{k['issue']}" in run.stdout, run.stdout[-2000:]  # the terminal triage
        assert k["url"] in (tmp_path / "report.html").read_text() and k["url"] in (tmp_path / "issue.md").read_text()
        if k["fixed_in"] is not None:  # an open issue (#3772, #5075) has no fixing release yet
            assert k["fixed_in"] in (tmp_path / "report.html").read_text()


@pytest.mark.parametrize("platform", catalog.PLATFORMS)
def test_healthy_passes_every_check_of_its_platform(platform):
    healthy = [p for p in scenarios(platform) if p.name == "healthy"]
    if not healthy:
        pytest.skip(f"no healthy {platform} scenario yet")
    expected = json.loads((healthy[0] / "expected.json").read_text())
    host_checks = {c.id for c in catalog.CHECKS if c.platform == platform}
    missing = host_checks - set(expected)
    assert not missing, f"healthy/expected.json does not cover {sorted(missing)}"
    assert all(v in ("passed", "skipped") for v in expected.values()), expected
