"""Which platform this host is, in the suite's words."""

from __future__ import annotations

import sys

NAMES = {"macos": "macOS", "windows": "Windows", "linux": "Linux"}


def current() -> str:
    """`macos`, `windows` or `linux` for this Python's host."""
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def pretty(platform: str) -> str:
    return NAMES.get(platform, platform)
