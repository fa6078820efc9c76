"""The Multipass networking lab: namespaces, real DHCP/DNS/NAT, real faults,
and a `multipass` stand-in (lab/bin/multipass). See lab/README.md.

The names below load on first use (PEP 562): the stand-in imports a few submodules on
every `multipass` call, and a process start must not pay for the whole lab's API."""
from __future__ import annotations

import importlib

_HOMES = {"Lab": "api", "instance_names": "api", "FAULTS": "faults", "LabError": "netns",
          "InstanceState": "state", "LabState": "state"}

__all__ = ["Lab", "LabState", "InstanceState", "LabError", "FAULTS", "instance_names"]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'lab' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
