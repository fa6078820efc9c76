"""Which platform this host is, in the suite's words."""

from __future__ import annotations

import sys

NAMES = {"macos": "macOS", "windows": "Windows", "linux": "Linux"}

# The driver family each platform's host checks cover (checks.md) and the drivers in it.
FAMILIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "macos": ("vmnet", ("qemu", "applevz", "hyperkit")),
    "windows": ("hyperv", ("hyperv", "hyperv_api")),
    "linux": ("qemu", ("qemu",)),
}


def current() -> str:
    """`macos`, `windows` or `linux` for this Python's host."""
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def pretty(platform: str) -> str:
    return NAMES.get(platform, platform)
