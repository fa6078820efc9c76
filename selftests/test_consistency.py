"""One host model, the same answers whichever checks run: every scenario replayed whole, under
each marker subset (-m host, -m instance, -m generic/routing/dns/arp) and under -n 4 gives
every check the same outcome and message, and diagnosis.json the same environment.

Cost, bounded: the subset runs are in-process (selftests/replay_subsets.py: ~0.25 s of CPU a
run), split over two processes, once per selftest run however many xdist workers ask. An -n 4 run starts five interpreters, so each scenario gets
one, with only the plugins the comparison reads (diagnosis.json: no HTML, Allure or JUnit
writers, replay_subsets.QUIET): about 30 % less CPU than a full run. Each is its own test,
so ./selftest spreads them over the cores like any other.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from selftests.replay_subsets import QUIET, SUBSETS, answers, every_scenario, every_subset
from selftests.suite import run_suite

ALL = every_scenario()


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> dict:
    """{scenario: {subset: {"checks": {id: [outcome, message]}, "environment": {...}}}}."""
    return every_subset(tmp_path_factory)


def _differences(whole: dict, part: dict) -> dict:
    return {cid: (whole["checks"].get(cid), got) for cid, got in part["checks"].items()
            if whole["checks"].get(cid) != got}


@pytest.mark.parametrize("scenario", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_subset_answers_as_the_whole_suite(scenario: Path, replayed):
    runs = replayed[str(scenario)]
    whole = runs[""]
    assert whole["checks"], "no check ran"
    for marker in SUBSETS[1:]:
        diff = _differences(whole, runs[marker])
        assert not diff, f"-m {marker} answers differently (whole, subset): {diff}"
        assert runs[marker]["environment"] in (None, whole["environment"]), (marker, runs[marker]["environment"])
    for partition in (("host", "instance"), ("generic", "routing", "dns", "arp")):
        covered = {cid for m in partition for cid in runs[m]["checks"]}
        assert covered == set(whole["checks"]), (partition, set(whole["checks"]) ^ covered)


@pytest.mark.parametrize("scenario", ALL, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_xdist_answers_as_one_process(scenario: Path, replayed, tmp_path):
    whole = replayed[str(scenario)][""]
    run = run_suite("-n", "4", *QUIET, "--replay", str(scenario), reports=tmp_path)
    got = answers(run.diagnosis)
    assert got["checks"] == whole["checks"], _differences(whole, got)
    assert got["environment"] == whole["environment"]
