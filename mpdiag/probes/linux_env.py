"""Linux host probes of today's Multipass (issue 11, the host side): native nftables, what
the host is (WSL2, a container, a VM), and the journal's AppArmor denials.

`nft_ruleset`: `nft -j list ruleset` (root): the native tables iptables-save never shows.
`detect_virt`: `systemd-detect-virt` (rc 1 and `none` on bare metal).
`host_markers`: a Python probe reading WSL's and containers' own markers (no command
prints them all): reads files only, never writes.
`apparmor_journal`: the kernel and audit lines of this boot's journal (root), at most 2000,
where AppArmor logs its denials.
"""

from __future__ import annotations

import glob
import os
from typing import Any

from mpdiag.parse.apparmor import parse_journal
from mpdiag.parse.hostenv import parse_detect_virt, parse_host_markers
from mpdiag.parse.nft import parse_nft_json
from mpdiag.parse.unavailable import Absent, NO_JOURNAL, no_kernel_support, stderr_says, tool_missing
from mpdiag.probes import Probe, ProbeContext, register

LINUX = frozenset({"linux"})
WSL_INTEROP = ("/proc/sys/fs/binfmt_misc/WSLInterop", "/proc/sys/fs/binfmt_misc/WSLInterop-late")
WSLCONFIG_GLOB = "/mnt/c/Users/*/.wslconfig"
MAX_CONFIGS = 16
MAX_BYTES = 65536


def _read(path: str, limit: int = MAX_BYTES) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _cap_bnd() -> str | None:
    status = _read("/proc/1/status") or ""
    for line in status.splitlines():
        if line.startswith("CapBnd:"):
            return line.split(":", 1)[1].strip()
    return None


def _host_markers(ctx: ProbeContext) -> dict[str, Any]:
    wsl = any(os.path.exists(p) for p in WSL_INTEROP)
    distro = os.environ.get("WSL_DISTRO_NAME") or None
    release = (_read("/proc/sys/kernel/osrelease") or "").strip() or None
    configs = []
    if wsl or distro or "microsoft" in (release or "").lower():
        for path in sorted(glob.glob(WSLCONFIG_GLOB))[:MAX_CONFIGS]:
            configs.append({"path": path, "content": _read(path)})
    return {"wsl_interop": wsl, "wsl_distro": distro, "osrelease": release,
            "dockerenv": os.path.exists("/.dockerenv"), "containerenv": os.path.exists("/run/.containerenv"),
            "cap_bnd": _cap_bnd(), "kvm": os.path.exists("/dev/kvm"), "wslconfigs": configs}


APPARMOR_JOURNAL = ("journalctl", "--no-pager", "-o", "short-iso", "-b", "-n", "2000",
                    "_TRANSPORT=kernel", "+", "_TRANSPORT=audit")

register(
    Probe("nft_ruleset", LINUX, parse_nft_json, ("nft", "-j", "list", "ruleset"),
          privileged=True, readers=(tool_missing, no_kernel_support), description="the native nftables ruleset (tables iptables-save does not show)"),
    Probe("detect_virt", LINUX, parse_detect_virt, ("systemd-detect-virt",),
          data_rcs=frozenset({0, 1}), readers=(tool_missing,), description="the container or hypervisor this host runs in (`none`: bare metal)"),
    Probe("host_markers", LINUX, parse_host_markers, call=_host_markers,
          shows="(python) read /proc/sys/fs/binfmt_misc/WSLInterop, $WSL_DISTRO_NAME, /proc/sys/kernel/osrelease, "
                "/.dockerenv, /run/.containerenv, CapBnd of /proc/1/status, /dev/kvm, /mnt/c/Users/*/.wslconfig",
          description="WSL and container markers"),
    Probe("apparmor_journal", LINUX, parse_journal, APPARMOR_JOURNAL, privileged=True,
          readers=(tool_missing, stderr_says(Absent, *NO_JOURNAL)),
          description="this boot's kernel and audit journal lines (AppArmor denials)"),
)
