"""Selftest-wide setup: one lab per pytest-xdist worker, so the lab selftests run on two labs
side by side (./selftest: `-m lab -n 2 --dist loadgroup`).

A lab's namespaces are named by MPLAB_NS_PREFIX and its state (and lock) lives in its state
dir (lab/state.py); both are read when lab.state is first imported, so each worker sets its
own here, before any test module imports the lab: prefix `<MPLAB_NS_PREFIX or mp>w<N>`,
state dir `/run/<prefix>-lab` (test_lab_e2e keeps `/run/<prefix>-lab-e2e`). Without xdist
nothing changes: the default lab (`mp`, /run/mp-lab), taken under `flock /tmp/lab.lock`.

Each lab module keeps its lab for a whole group of tests on one worker: test_lab_e2e's cases
in four groups (layout x alternate cases: four labs brought up instead of two, for two
workers' worth of balance; the linux-only tests join the smaller linux half), every other lab module as one group.
"""

from __future__ import annotations

import os

import pytest

_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER:
    _PREFIX = f"{os.environ.get('MPLAB_NS_PREFIX') or 'mp'}w{_WORKER.lstrip('gw')}"
    os.environ["MPLAB_NS_PREFIX"] = _PREFIX
    os.environ["LAB_STATE"] = f"/run/{_PREFIX}-lab"

E2E = "test_lab_e2e.py"


def lab_group(item: pytest.Item) -> str:
    """The xdist group of a lab test: its module, or for an e2e case its layout and half."""
    module = item.nodeid.split("::")[0]
    callspec = getattr(item, "callspec", None)
    if module.endswith(E2E) and callspec is not None and "case" in callspec.params:
        layout = callspec.params["lab"]
        from selftests.test_lab_e2e import BY_LAYOUT

        index = BY_LAYOUT[layout].index(callspec.params["case"])
        return f"e2e-{layout}-{index % 2}"
    if module.endswith(E2E) and callspec is not None:  # the linux-only tests: with the smaller half
        return f"e2e-{callspec.params.get('lab', 'linux')}-1"
    return module


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Lab tests get their xdist group (used by `--dist loadgroup`, ignored otherwise)."""
    for item in items:
        if item.get_closest_marker("lab") is not None and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(lab_group(item)))
