"""The lab's persistent state: one JSON file plus pid files under $LAB_STATE.

The Python API, the CLI and the Multipass stand-in are separate processes, so
everything they share lives on disk; a flock serialises read-modify-write.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
TYPE_CHECKING = False  # typing itself is not imported: the stand-in imports this on every call
if TYPE_CHECKING:
    from typing import Iterator

DEFAULT_STATE_DIR = "/run/mp-lab"
# Namespace names are global: MPLAB_NS_PREFIX (default "mp") lets a second lab run beside another.
NS_PREFIX = os.environ.get("MPLAB_NS_PREFIX") or "mp"
HOST_NS = f"{NS_PREFIX}-host"
NET_NS = f"{NS_PREFIX}-net"
LAN_NS = f"{NS_PREFIX}-lan"  # the LAN a bridged instance joins (lab/lan.py)
INSTANCE_NS_PREFIX = f"{NS_PREFIX}-i-"
UPLINK = "wan0"
WAN_HOST_IP = "203.0.113.2"
WAN_NET_IP = "203.0.113.1"
EXTERNAL_IP = "198.51.100.1"
EXTERNAL_DNS = "198.51.100.53"
PROBE_NAME = "google.ie"
PROBE_ANSWER = "198.51.100.80"
INTERCEPT_ANSWER = "198.18.0.42"
IMAGE_HOST = "cloud-images.ubuntu.com"  # answered by the lab's DNS with a TEST-NET address
IMAGE_IP = "198.51.100.43"
PROXY_IP = "198.51.100.31"
PROXY_PORT = 3128
LAYOUTS = {
    # layout: (bridge, default subnet prefix /24)
    "linux": ("mpqemubr0", "10.97.23"),
    "macos": ("bridge100", "192.168.64"),
}


class _Record:
    """A plain record: its fields are its annotations, in order, each with the class attribute of
    that name as its default (a dict or list default is copied per record). What the lab needs
    of a dataclass (init, eq, repr, a dict of it), without importing dataclasses: its import of
    inspect is a fifth of the Multipass stand-in's every call, and the doctor makes dozens."""

    def __init__(self, *args, **kwargs) -> None:
        names = self.fields()
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}: {len(names)} fields, {len(args)} given")
        given = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names or name in given:
                raise TypeError(f"{type(self).__name__}: unexpected or repeated field {name!r}")
            given[name] = value
        for name in names:
            if name in given:
                value = given[name]
            elif hasattr(type(self), name):
                value = getattr(type(self), name)
                value = type(value)(value) if isinstance(value, (dict, list)) else value
            else:
                raise TypeError(f"{type(self).__name__}: missing field {name!r}")
            setattr(self, name, value)

    @classmethod
    def fields(cls) -> list[str]:
        return [n for c in reversed(cls.__mro__) for n in vars(c).get("__annotations__", {})]

    def as_dict(self) -> dict:
        def plain(v):
            if isinstance(v, _Record):
                return v.as_dict()
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, list):
                return [plain(x) for x in v]
            return v
        return {n: plain(getattr(self, n)) for n in self.fields()}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.as_dict() == other.as_dict()  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.fields())})"


def default_state_dir(prefix: str = NS_PREFIX) -> str:
    """/run/mp-lab for the default lab, /run/<prefix>-lab for another MPLAB_NS_PREFIX: each lab
    has its own state, so its own lock (state.lock is a flock in the state dir)."""
    return DEFAULT_STATE_DIR if prefix == "mp" else f"/run/{prefix}-lab"


def state_dir_from_env() -> Path:
    """$LAB_STATE, else the prefix's own state dir (default_state_dir)."""
    return Path(os.environ.get("LAB_STATE") or default_state_dir())


class InstanceState(_Record):
    """One instance: a namespace whose eth0 is a veth on the bridge."""
    name: str
    netns: str
    mac: str
    host_port: str          # bridge-side veth in mp-host (tap-<hash> / vmenetN)
    ip: str | None = None   # address from the last DHCP run (None: no lease)
    dhcp_server: str | None = None
    state: str = "Running"  # Multipass state string: Running / Unknown / Deleted
    origin: str = "lab"     # "lab" (up) or "launch" (stand-in)


class LabState(_Record):
    """Everything a test or the stand-in needs to know about the running lab."""
    layout: str
    state_dir: str
    bin_dir: str
    bridge: str
    gateway: str
    subnet: str             # CIDR, e.g. 10.97.23.0/24
    subnet_prefix: str      # e.g. 10.97.23 (the content of multipass_subnet)
    host_ns: str = HOST_NS
    net_ns: str = NET_NS
    instance_prefix: str = INSTANCE_NS_PREFIX
    uplink: str = UPLINK
    wan_host_ip: str = WAN_HOST_IP
    wan_net_ip: str = WAN_NET_IP
    external_ip: str = EXTERNAL_IP
    external_dns: str = EXTERNAL_DNS
    probe_name: str = PROBE_NAME
    probe_answer: str = PROBE_ANSWER
    intercept_answer: str = INTERCEPT_ANSWER
    image_host: str = IMAGE_HOST
    image_ip: str = IMAGE_IP
    proxy_ip: str = PROXY_IP
    proxy_port: int = PROXY_PORT
    daemon_env: dict[str, str] = {}  # the lab multipassd's proxy variables (each record its own copy)
    instances: dict[str, InstanceState] = {}
    faults: list[str] = []
    aliases: dict[str, list[str]] = {}
    next_port: int = 0

    # ---- paths ---------------------------------------------------------------
    @property
    def root(self) -> Path:
        return Path(self.state_dir)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    @property
    def primary(self) -> str:
        """Name of the first instance (faults that need one instance use it)."""
        return next(iter(self.instances))

    def ns_of(self, where: str) -> str:
        """Namespace for 'host', 'net' or an instance name."""
        if where in ("host", self.host_ns):
            return self.host_ns
        if where in ("net", self.net_ns):
            return self.net_ns
        if where in self.instances:
            return self.instances[where].netns
        raise KeyError(f"no such lab place: {where!r} (host, net, or one of {list(self.instances)})")

    # ---- (de)serialisation -------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> "LabState":
        d = dict(d)
        d["instances"] = {k: InstanceState(**v) for k, v in d.get("instances", {}).items()}
        known = set(cls.fields())
        return cls(**{k: v for k, v in d.items() if k in known})

    def save(self) -> None:
        """Atomically write state.json."""
        tmp = self.path("state.json.tmp")
        tmp.write_text(self.to_json())
        os.replace(tmp, self.path("state.json"))


def load_state(state_dir: Path | None = None) -> LabState | None:
    """Read state.json, or None when the lab is not up."""
    p = (state_dir or state_dir_from_env()) / "state.json"
    try:
        return LabState.from_dict(json.loads(p.read_text()))
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """Exclusive lock over the state dir (API, CLI and stand-in all mutate it)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# ---- pid records ----------------------------------------------------------------
def record_pid(state_dir: Path, name: str, pid: int) -> None:
    """Remember a started process: pids/<name>.pid (current) and pids.log (history)."""
    (state_dir / "pids").mkdir(parents=True, exist_ok=True)
    (state_dir / "pids" / f"{name}.pid").write_text(f"{pid}\n")
    with open(state_dir / "pids.log", "a") as f:
        f.write(f"{pid} {name}\n")


def read_pid(state_dir: Path, name: str) -> int | None:
    try:
        txt = (state_dir / "pids" / f"{name}.pid").read_text().strip()
    except FileNotFoundError:
        return None
    return int(txt) if txt.isdigit() else None


def forget_pid(state_dir: Path, name: str) -> None:
    (state_dir / "pids" / f"{name}.pid").unlink(missing_ok=True)


def current_pids(state_dir: Path) -> dict[str, int]:
    """name -> pid for every process currently recorded."""
    d = state_dir / "pids"
    if not d.is_dir():
        return {}
    out = {}
    for f in d.glob("*.pid"):
        txt = f.read_text().strip()
        if txt.isdigit():
            out[f.stem] = int(txt)
    return out


def all_recorded_pids(state_dir: Path) -> list[int]:
    """Every pid the lab ever started (pids.log), for leak checks."""
    try:
        lines = (state_dir / "pids.log").read_text().splitlines()
    except FileNotFoundError:
        return []
    return sorted({int(l.split()[0]) for l in lines if l.split() and l.split()[0].isdigit()})
