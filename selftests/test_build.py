"""The one scenario builder (scenarios/build.py): the committed macOS and Windows scenarios are
exactly what it writes from the entries, argv come from the probe registry, IDs from the catalog."""

from __future__ import annotations

import json

import pytest

from mpdiag import catalog
from mpdiag.bundle import open_bundle
from scenarios import build

BUILT = [(platform, name) for platform in build.BUILT for name in build.entries(platform)]


@pytest.mark.parametrize("platform,name", BUILT, ids=lambda v: str(v))
def test_committed_scenario_is_what_the_builder_writes(platform, name, tmp_path):
    fresh = build.build(name, build.entries(platform)[name], tmp_path)
    committed = build.HERE / platform / name
    files = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    for rel in files:
        assert (fresh / rel).read_bytes() == (committed / rel).read_bytes(), f"{platform}/{name}/{rel} is stale: " \
            "run python scenarios/build.py"


def test_argv_comes_from_the_registry():
    assert build.argv_of("lsof_port53", "macos", None, {}) == ("sudo", "-n", "lsof", "-iTCP:53", "-iUDP:53", "-n", "-P")
    assert build.argv_of("bcdedit", "windows", None, {}) == ("bcdedit", "/enum", "{current}")
    inside = build.argv_of("ping_gateway", "macos", "primary", {"ip": "192.168.252.1"})
    assert inside[:3] == ("multipass", "exec", "primary") and inside[-1] == "192.168.252.1"
    bundle = open_bundle(build.HERE / "macos" / "healthy")
    assert bundle.result("netstat_routes").argv == ("netstat", "-rn", "-f", "inet")


def test_ids_come_from_the_catalog():
    with pytest.raises(KeyError, match="not a check ID"):
        build.expect("macos", dns__no_such_check="failed")
    for platform, name in BUILT:
        expected = json.loads((build.HERE / platform / name / "expected.json").read_text())
        assert set(expected) <= set(catalog.BY_ID)
