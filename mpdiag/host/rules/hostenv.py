"""What kind of Linux host this is, for Multipass: bare metal or a VM (fine), WSL2, or a
container (with or without the privilege to make a bridge).

Pure. WSL first: `systemd-detect-virt` says `wsl` only where systemd runs, so the
kernel release (`-microsoft-standard-WSL2`; WSL1: `-Microsoft`), the binfmt interop entry
and `WSL_DISTRO_NAME` count too. Then containers: the technology `systemd-detect-virt`
names, else `/.dockerenv` / `/run/.containerenv`.

Why these matter (checks.md, "Today's Multipass"): under WSL2 mirrored networking the
host's interfaces are Windows' (dnsmasq cannot bind the bridge); a container without
CAP_NET_ADMIN has no netlink to make `mpqemubr0`, no iptables, no bridge. That mirrored
networking breaks dnsmasq is checks.md's claim; the reference does not cover WSL.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpdiag.parse.hostenv import CONTAINERS, HostMarkers


@dataclass(frozen=True)
class HostKind:
    kind: str                      # bare | vm | wsl1 | wsl2 | container
    name: str                      # what it is called (`docker`, `kvm`, `WSL2 (Ubuntu)`, ...)
    evidence: tuple[str, ...]      # the markers that say so
    networking_mode: str | None = None   # WSL2: .wslconfig's networkingMode (None: not set or unreadable)
    wslconfig: str | None = None         # the .wslconfig read


def classify(virt: str | None, m: HostMarkers) -> HostKind:
    release = m.osrelease or ""
    wsl_evidence = [e for e, hit in (
        ("systemd-detect-virt says wsl", virt == "wsl"),
        (f"kernel {release}", "microsoft" in release.lower()),
        ("/proc/sys/fs/binfmt_misc/WSLInterop exists", m.wsl_interop),
        (f"WSL_DISTRO_NAME={m.wsl_distro}", bool(m.wsl_distro)),
    ) if hit]
    if wsl_evidence:
        wsl1 = "Microsoft" in release and "WSL2" not in release and "microsoft-standard" not in release
        label = ("WSL1" if wsl1 else "WSL2") + (f" ({m.wsl_distro})" if m.wsl_distro else "")
        modes = [c for c in m.wslconfigs if c.networking_mode]
        conf = modes[0] if modes else (m.wslconfigs[0] if m.wslconfigs else None)
        return HostKind("wsl1" if wsl1 else "wsl2", label, tuple(wsl_evidence),
                        conf.networking_mode if conf else None, conf.path if conf else None)
    if virt in CONTAINERS or m.dockerenv or m.containerenv:
        name = virt if virt in CONTAINERS else ("docker" if m.dockerenv else "podman")
        evidence = [e for e, hit in ((f"systemd-detect-virt says {virt}", virt in CONTAINERS),
                                     ("/.dockerenv exists", m.dockerenv),
                                     ("/run/.containerenv exists", m.containerenv)) if hit]
        return HostKind("container", name, tuple(evidence))
    if virt and virt != "none":
        return HostKind("vm", virt, (f"systemd-detect-virt says {virt}",))
    return HostKind("bare", "bare metal" if virt == "none" else "unknown (no systemd-detect-virt)",
                    (f"systemd-detect-virt says {virt}",) if virt else ())
