"""What the Linux host is: `systemd-detect-virt`, the WSL and container markers, `.wslconfig`.

Pure. `systemd-detect-virt` prints one word: the container technology if inside one
(`docker`, `podman`, `lxc`, `systemd-nspawn`, `wsl`, ...), else the hypervisor (`kvm`,
`microsoft`, ...), else `none` with rc 1. The markers are a Python probe's JSON
(mpdiag/probes/linux_env.py): WSL's binfmt interop entry, `WSL_DISTRO_NAME`, the
kernel release (`...-microsoft-standard-WSL2`), `/.dockerenv`, `/run/.containerenv`, the
capability bounding set of pid 1 (`CapBnd` of /proc/1/status: a container without
CAP_NET_ADMIN cannot make a bridge), `/dev/kvm`, and the `.wslconfig` files readable
under /mnt/c/Users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

CONTAINERS = frozenset({"docker", "podman", "lxc", "lxc-libvirt", "systemd-nspawn", "openvz", "rkt", "proot",
                        "pouch", "container-other"})
CAP_NET_ADMIN = 12


def parse_detect_virt(text: str) -> str:
    """The one word `systemd-detect-virt` printed (`none`: bare metal). ParseError: anything else."""
    word = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,40}", word):
        raise ParseError("systemd-detect-virt: not one lowercase word", text[:200])
    return word


@dataclass(frozen=True)
class WslConfig:
    path: str
    networking_mode: str | None   # `mirrored`, `nat`, ... as written (lowercased); None: not set (NAT)


@dataclass(frozen=True)
class HostMarkers:
    wsl_interop: bool
    wsl_distro: str | None
    osrelease: str | None
    dockerenv: bool
    containerenv: bool
    cap_bnd: int | None            # pid 1's capability bounding set; None: unreadable
    kvm: bool
    wslconfigs: tuple[WslConfig, ...] = field(default_factory=tuple)

    @property
    def net_admin(self) -> bool | None:
        return None if self.cap_bnd is None else bool(self.cap_bnd >> CAP_NET_ADMIN & 1)


def parse_wslconfig(text: str) -> str | None:
    """`networkingMode` of the `[wsl2]` section (case-insensitive keys, `#`/`;` comments), lowercased."""
    section = None
    mode = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line)
        if m:
            section = m.group(1).lower()
            continue
        if section == "wsl2" and "=" in line:
            key, _, value = line.partition("=")
            if key.strip().lower() == "networkingmode":
                mode = value.strip().strip('"').lower() or None
    return mode


def _flag(data: dict, key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ParseError(f"host markers: {key} is not true/false", repr(data)[:200])
    return value


def _text(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ParseError(f"host markers: {key} is not text", repr(data)[:200])
    return value


def parse_host_markers(text: str) -> HostMarkers:
    data = load_json(text, "host markers")
    if not isinstance(data, dict):
        raise ParseError("host markers: not an object", text[:200])
    cap = _text(data, "cap_bnd")
    try:
        cap_bnd = int(cap, 16) if cap else None
    except ValueError:
        raise ParseError(f"host markers: CapBnd {cap!r} is not hexadecimal", text[:200]) from None
    configs = []
    for item in data.get("wslconfigs") or ():
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise ParseError("host markers: a .wslconfig entry without a path", text[:200])
        content = item.get("content")
        configs.append(WslConfig(item["path"], parse_wslconfig(content) if isinstance(content, str) else None))
    return HostMarkers(_flag(data, "wsl_interop"), _text(data, "wsl_distro"), _text(data, "osrelease"),
                       _flag(data, "dockerenv"), _flag(data, "containerenv"), cap_bnd, _flag(data, "kvm"),
                       tuple(configs))
