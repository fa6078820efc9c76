"""A real firewalld in the lab host's namespace (the firewalld-zones fault), on a D-Bus of its own.

firewall-cmd reaches firewalld over the system bus. The lab's is a private dbus-daemon whose
socket lives in the lab's state dir (DBUS_SYSTEM_BUS_ADDRESS names it, in `Lab.env()`), so the
machine's own bus is never used; firewalld runs inside the host namespace, so its nftables
table (`inet firewalld`) exists there only; its configuration is read from the package's
defaults with the system configuration in the state dir (`--system-config`): the machine's
/etc/firewalld is never read or written. Zones are set at runtime (`--change-interface`), as
an administrator's `firewall-cmd --zone=Z --change-interface=I` would. Without a polkit on
the bus, firewalld authorises root callers only: the suite runs as root in the lab.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .netns import LabError, nsx, run, spawn, wait_for
from .services import stop
from .state import LabState, record_pid

TOOLS = ("firewalld", "firewall-cmd", "dbus-daemon")
BUS, DAEMON = "fw-dbus", "firewalld"  # their recorded pid labels (lab down kills them)
DEFAULT_CONFIG = "/usr/lib/firewalld"
_BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


def missing() -> str | None:
    """Why firewalld cannot run in the lab here (None: it can)."""
    gone = [t for t in TOOLS if shutil.which(t) is None]
    if gone or not Path(DEFAULT_CONFIG).is_dir():
        return f"firewalld is not installed (missing: {' '.join(gone) or DEFAULT_CONFIG}; ./selftest installs it)"
    return None


def socket_path(st: LabState) -> Path:
    return st.path("run", "dbus-system.sock")


def bus_address(st: LabState) -> str:
    """The lab's system bus, for DBUS_SYSTEM_BUS_ADDRESS (no socket while firewalld is not started)."""
    return f"unix:path={socket_path(st).resolve()}"


def firewall_cmd(st: LabState, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """firewall-cmd in the host namespace, on the lab's bus."""
    return nsx(st.host_ns, ["env", f"DBUS_SYSTEM_BUS_ADDRESS={bus_address(st)}", "firewall-cmd", *args],
               check=check)


def start(st: LabState, zones: dict[str, str], timeout: float = 30.0) -> None:
    """The bus, then firewalld; then each interface into its zone (runtime only)."""
    why = missing()
    if why:
        raise LabError(why)
    sock = socket_path(st)
    sock.parent.mkdir(parents=True, exist_ok=True)
    sock.unlink(missing_ok=True)
    conf = st.path("conf", "dbus-system.conf")
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(_BUS_CONF.format(socket=sock.resolve()))
    bus = spawn(st.host_ns, ["dbus-daemon", f"--config-file={conf}", "--nofork", "--nopidfile"],
                st.path("logs", f"{BUS}.out"))
    record_pid(st.root, BUS, bus.pid)
    if not wait_for(lambda: sock.exists() or bus.poll() is not None, 5.0) or bus.poll() is not None:
        stop(st, BUS)
        raise LabError(f"dbus-daemon did not start (see {st.path('logs', BUS + '.out')})")
    etc = st.path("conf", "firewalld")
    etc.mkdir(parents=True, exist_ok=True)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DBUS_SYSTEM_BUS_ADDRESS": bus_address(st)}
    fw = spawn(st.host_ns, ["firewalld", "--nofork", "--nopid", "--system-config", str(etc),
                            "--default-config", DEFAULT_CONFIG, "--log-target", "file",
                            "--log-file", str(st.path("logs", "firewalld.log"))],
               st.path("logs", f"{DAEMON}.out"), env=env)
    record_pid(st.root, DAEMON, fw.pid)

    def running() -> bool:
        return fw.poll() is not None or firewall_cmd(st, "--state", check=False).stdout.strip() == "running"

    if not wait_for(running, timeout, step=0.2) or fw.poll() is not None:
        stop_all(st)
        raise LabError(f"firewalld did not start in {st.host_ns} (see {st.path('logs', 'firewalld.log')})")
    for iface, zone in zones.items():
        firewall_cmd(st, f"--zone={zone}", f"--change-interface={iface}")


def stop_all(st: LabState) -> None:
    """firewalld (which removes its table on exit; removed here too if it lingers), then the bus."""
    stop(st, DAEMON)
    nsx(st.host_ns, ["nft", "delete", "table", "inet", "firewalld"], check=False)
    stop(st, BUS)
    socket_path(st).unlink(missing_ok=True)


def add_bridge(st: LabState, name: str, address: str) -> None:
    """A bridge with an address in the host namespace (Multipass HEAD's per-zone bridge)."""
    run(["ip", "-n", st.host_ns, "link", "add", name, "type", "bridge"])
    run(["ip", "-n", st.host_ns, "addr", "add", address, "dev", name])
    run(["ip", "-n", st.host_ns, "link", "set", name, "up"])


def del_bridge(st: LabState, name: str) -> None:
    run(["ip", "-n", st.host_ns, "link", "del", name], check=False)
