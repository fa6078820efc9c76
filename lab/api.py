"""The Python API the selftests use: `Lab().up(...)`, faults, heal, run_in, down."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from . import faults as _faults
from . import firewalld
from . import services, topology
from .netns import LabError, ns_list, ns_pids, pid_alive, run
from .state import LabState, all_recorded_pids, current_pids, load_state, locked, state_dir_from_env


class Lab:
    """Handle on the lab whose state lives in state_dir ($LAB_STATE, default /run/mp-lab)."""

    def __init__(self, state_dir: str | os.PathLike[str] | None = None) -> None:
        self.state_dir = Path(state_dir) if state_dir else state_dir_from_env()

    # ---- lifecycle ---------------------------------------------------------------------
    def up(self, layout: str = "linux", instances: Sequence[str] | int = ("primary", "second"),
           subnet: str | None = None) -> LabState:
        """Build the lab; instances is a list of names or a count. Fails (and cleans up) if anything breaks."""
        return topology.up(self.state_dir, layout, instance_names(instances), subnet)

    def down(self) -> None:
        """Tear everything down (safe to call when the lab is down or half-built)."""
        topology.down(self.state_dir)

    def is_up(self) -> bool:
        return load_state(self.state_dir) is not None

    @property
    def state(self) -> LabState:
        """Fresh copy of state.json (the stand-in may have changed it)."""
        st = load_state(self.state_dir)
        if st is None:
            raise LabError(f"lab is not up (no {self.state_dir}/state.json)")
        return st

    # ---- faults ----------------------------------------------------------------------------
    def fault(self, name: str, arg: str | int | None = None) -> None:
        """Inject a fault (see lab.FAULTS); on failure the lab is healed and the error re-raised."""
        with locked(self.state_dir):
            st = self.state
            _faults.validate(st, name)   # refusals change nothing
            try:
                _faults.apply(st, name, None if arg is None else str(arg))
            except BaseException:
                st.faults.append(name)
                try:
                    _faults.heal(st)
                finally:
                    st.save()
                raise
            st.save()

    def heal(self) -> None:
        """Revert every active fault and re-run DHCP everywhere."""
        with locked(self.state_dir):
            st = self.state
            try:
                _faults.heal(st)
            finally:
                st.save()

    def active_faults(self) -> list[str]:
        return list(self.state.faults)

    @staticmethod
    def available_faults(layout: str | None = None) -> list[str]:
        return [n for n, f in _faults.FAULTS.items() if layout is None or layout in f.layouts]

    # ---- instances ----------------------------------------------------------------------------
    def dhcp(self, instance: str) -> str | None:
        """Re-run DHCP on one instance; returns its new IPv4 or None (no lease)."""
        with locked(self.state_dir):
            st = self.state
            ip = services.dhcp(st, [instance])[instance]
            st.save()
            return ip

    def set_daemon_proxy(self, env: dict[str, str] | None = None) -> None:
        """Restart the lab's multipassd with proxy variables (None/{}: none); heal resets it."""
        with locked(self.state_dir):
            st = self.state
            _faults.set_daemon_proxy(st, dict(env or {}))
            st.save()

    def ip_of(self, instance: str) -> str | None:
        return self.state.instances[instance].ip

    def add_alias(self, instance: str, ip: str, prefix: int = 24) -> None:
        with locked(self.state_dir):
            st = self.state
            _faults.add_alias(st, instance, ip, prefix)
            st.save()

    def remove_alias(self, instance: str, ip: str) -> None:
        with locked(self.state_dir):
            st = self.state
            _faults.remove_alias(st, instance, ip)
            st.save()

    def run_in(self, where: str, argv: Sequence[str], *, timeout: float = 30, check: bool = False,
               input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run argv in 'host', 'net' or an instance's namespace; returns the CompletedProcess."""
        ns = self.state.ns_of(where)
        cp = subprocess.run(["ip", "netns", "exec", ns, *argv], capture_output=True, text=True,
                            timeout=timeout, input=input)
        if check and cp.returncode != 0:
            raise LabError(f"{where}: {' '.join(argv)} -> rc {cp.returncode}: {cp.stderr.strip()}")
        return cp

    # ---- introspection ---------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """Environment for running the real suite against the lab (stand-in first on PATH)."""
        st = self.state
        return {**os.environ, "PATH": f"{st.bin_dir}:{os.environ.get('PATH', '')}",
                "LAB_STATE": str(self.state_dir.resolve()),
                "MPDIAG_MULTIPASS_DATA": str(Path(st.state_dir, "data").resolve()),
                "DBUS_SYSTEM_BUS_ADDRESS": firewalld.bus_address(st)}  # the lab's own bus (firewalld-zones)

    def recorded_pids(self) -> list[int]:
        """Every pid the lab (or the stand-in) ever started, for leak checks."""
        return all_recorded_pids(self.state_dir)

    def status(self) -> str:
        """Human summary: namespaces, addresses, lab processes, active faults."""
        st = load_state(self.state_dir)
        if st is None:
            return "lab is down"
        lines = [f"layout {st.layout}: bridge {st.bridge} {st.gateway} ({st.subnet}); "
                 f"faults: {', '.join(st.faults) or 'none'}"]
        for ns in sorted(n for n in ns_list() if topology.is_lab_ns(n)):
            addrs = run(["ip", "-n", ns, "-br", "-4", "addr"], check=False).stdout.strip().splitlines()
            lines.append(f"== {ns}")
            lines += [f"   {a}" for a in addrs if not a.startswith("lo ")]
            for pid in ns_pids(ns):
                comm = Path(f"/proc/{pid}/comm").read_text().strip() if pid_alive(pid) else "?"
                lines.append(f"   pid {pid} {comm}")
        for name, inst in st.instances.items():
            lines.append(f"instance {name}: {inst.state} ip={inst.ip or '-'} mac={inst.mac} port={inst.host_port}")
        dead = [f"{k}({v})" for k, v in current_pids(self.state_dir).items() if not pid_alive(v)]
        if dead:
            lines.append(f"recorded but dead: {' '.join(dead)}")
        return "\n".join(lines)


ORDINALS = ["primary", "second", "third", "fourth", "fifth", "sixth"]


def instance_names(spec: Sequence[str] | int) -> list[str]:
    """A count becomes primary, second, third, ...; a list is taken as is."""
    if isinstance(spec, int):
        if spec < 1:
            raise LabError("need at least one instance")
        return [ORDINALS[i] if i < len(ORDINALS) else f"instance-{i + 1}" for i in range(spec)]
    return list(spec)
