"""up/down hygiene: nothing left behind, failed up cleans itself, no double up."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lab import Lab, LabError  # noqa: E402
from lab.netns import ns_list, pid_alive  # noqa: E402
from lab.state import NS_PREFIX  # noqa: E402  (MPLAB_NS_PREFIX aware: a lab beside this one is not ours)
from lab.topology import is_lab_ns  # noqa: E402
from lab.testing import unavailable_reason  # noqa: E402

if (_why := unavailable_reason()) is not None:
    pytest.skip(_why, allow_module_level=True)

pytestmark = pytest.mark.lab


def assert_clean(lab: Lab, pids: list[int]) -> None:
    assert [n for n in ns_list() if is_lab_ns(n)] == []
    assert not any(Path("/etc/netns").glob(f"{NS_PREFIX}-*")) if Path("/etc/netns").exists() else True
    assert not lab.state_dir.exists()
    assert [p for p in pids if pid_alive(p)] == []    # zombies count as dead


def test_down_leaves_nothing(lab_manager):
    lab = lab_manager.get("linux")
    lab.fault("dhcp-rogue")                              # extra processes: rogue dnsmasq
    pids = lab.recorded_pids()
    assert len(pids) >= 3 and all(pid_alive(p) for p in pids if p == max(pids))
    lab_manager.release()
    assert_clean(lab, pids)


def test_double_up_refused(lab_manager):
    lab = lab_manager.get("macos")
    with pytest.raises(LabError, match="already up"):
        Lab().up("linux")
    assert lab.state.layout == "macos"


def test_failed_up_tears_down(lab_manager, tmp_path, monkeypatch):
    lab_manager.release()
    fake = tmp_path / "dnsmasq"
    fake.write_text("#!/bin/sh\necho 'fake dnsmasq: refusing to start' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    lab = Lab()
    with pytest.raises(LabError, match="refusing to start"):
        lab.up("linux")
    assert_clean(lab, [])
