"""Fixtures for the lab's own tests: one lab at a time, switched per layout, always downed."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lab import Lab  # noqa: E402


class LabManager:
    """Keeps at most one lab up for the session; asking for another layout rebuilds it."""

    def __init__(self) -> None:
        self.lab = Lab()
        self.layout: str | None = None

    def get(self, layout: str) -> Lab:
        if self.layout != layout:
            self.release()
            self.lab.up(layout=layout, instances=["primary", "second"])
            self.layout = layout
        return self.lab

    def release(self) -> None:
        self.layout = None
        self.lab.down()  # also clears leftovers of a crashed earlier run


@pytest.fixture(scope="module")
def lab_manager():
    """Module-scoped: the lab's names are global, so it must be down before other lab tests run."""
    m = LabManager()
    m.release()
    try:
        yield m
    finally:
        m.release()


@pytest.fixture
def linux_lab(lab_manager) -> Lab:
    return lab_manager.get("linux")


@pytest.fixture
def macos_lab(lab_manager) -> Lab:
    return lab_manager.get("macos")


@pytest.fixture
def standin_env(linux_lab) -> dict[str, str]:
    """Environment with the multipass stand-in first on PATH."""
    return linux_lab.env()
