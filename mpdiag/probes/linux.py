"""Linux host probes (QEMU driver): addresses, routes, listening sockets, iptables,
ufw, firewalld, ip_forward, the snap's services and Multipass's subnet file.

iptables: Multipass picks its backend (`iptables-nft` when the kernel is >= 5.2 and
nft already has rules or legacy has none, else `iptables-legacy`), and Docker may use
the other one; netfilter runs the hooks of *both*, so a DROP in either backend drops
the packet. The firewall checks therefore read `iptables_nft` (`iptables-nft-save`)
and `iptables_legacy` (`iptables-legacy-save`) and walk every backend that has rules;
only where neither variant exists (iptables < 1.8) do they fall back to `iptables`
(`iptables-save`, the system's default). Native nft tables (firewalld's `inet
firewalld`) are not in either save: firewalld is read through `firewall-cmd`.

`multipass_subnet`: the subnet file of Multipass's data directory,
`$MPDIAG_MULTIPASS_DATA/network/multipass_subnet`, where MPDIAG_MULTIPASS_DATA
defaults to the snap's `/var/snap/multipass/common/data/multipassd`. The lab sets it to
`$LAB_STATE/data`. The checks take the bridge and subnet from `host_ip_addr` first
and use the file only when the bridge has no address (or does not exist).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mpdiag.probes import Probe, ProbeContext, register
from mpdiag.probes.common import parse_json
from mpdiag.parse.firewalld import parse_active_zones, parse_default_zone, parse_zone_info
from mpdiag.parse.iproute import parse_ip_addr, parse_ip_route
from mpdiag.parse.iptables import parse_iptables_save
from mpdiag.parse.snap import parse_snap_services
from mpdiag.parse.sockets import parse_listening_sockets
from mpdiag.parse.sysctl import parse_sysctl_int
from mpdiag.parse.text import decode
from mpdiag.parse.ufw import parse_ufw_status
from mpdiag.parse.unavailable import Absent, NO_JOURNAL, no_kernel_support, stderr_says, tool_missing
from mpdiag.parse.multipass_net import parse_unit_state

LINUX = frozenset({"linux"})
DATA_ENV = "MPDIAG_MULTIPASS_DATA"
SNAP_DATA = "/var/snap/multipass/common/data/multipassd"
SERVICE_PORTS = frozenset({53, 67})


def multipass_data_dir() -> Path:
    """Multipass's data directory ($MPDIAG_MULTIPASS_DATA, else the snap's)."""
    return Path(os.environ.get(DATA_ENV) or SNAP_DATA)


def _subnet_file(ctx: ProbeContext) -> dict[str, Any]:
    return _data_file("multipass_subnet")


def _leases_file(ctx: ProbeContext) -> dict[str, Any]:
    return _data_file("dnsmasq.leases")


def _data_file(name: str) -> dict[str, Any]:
    """A file of Multipass's network data dir: its content, or why it cannot be read."""
    path = multipass_data_dir() / "network" / name
    try:
        return {"path": str(path), "content": path.read_text(errors="replace"), "error": None}
    except FileNotFoundError:
        return {"path": str(path), "content": None, "error": "missing"}
    except PermissionError:
        return {"path": str(path), "content": None, "error": "permission denied (run as root)"}
    except OSError as exc:
        return {"path": str(path), "content": None, "error": exc.strerror or str(exc)}


def _listening_sockets(ctx: ProbeContext) -> dict[str, Any]:
    """psutil: LISTEN TCP and unbound-remote UDP sockets (IPv4 and IPv6) with their owners.

    Without root psutil shows the owner only of the caller's own sockets: the others
    come with pid null, and `root` false tells the checks why."""
    import socket as pysocket

    import psutil

    out = []
    cmdlines: dict[int, list[str] | None] = {}
    names: dict[int, str | None] = {}
    for c in psutil.net_connections(kind="inet"):
        if c.type == pysocket.SOCK_STREAM and c.status != psutil.CONN_LISTEN:
            continue
        if c.type == pysocket.SOCK_DGRAM and c.raddr:
            continue
        if not c.laddr:
            continue
        pid = c.pid
        if pid is not None and pid not in names:
            try:
                proc = psutil.Process(pid)
                names[pid] = proc.name()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                names[pid] = None
        entry: dict[str, Any] = {
            "proto": "tcp" if c.type == pysocket.SOCK_STREAM else "udp",
            "family": 6 if c.family == pysocket.AF_INET6 else 4,
            "ip": c.laddr.ip, "port": c.laddr.port, "pid": pid,
            "name": names.get(pid) if pid is not None else None,
        }
        if pid is not None and c.laddr.port in SERVICE_PORTS:
            if pid not in cmdlines:
                try:
                    cmdlines[pid] = psutil.Process(pid).cmdline()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    cmdlines[pid] = None
            entry["cmdline"] = cmdlines[pid]
        out.append(entry)
    out.sort(key=lambda e: (e["port"], e["proto"], e["family"], e["ip"], e["pid"] or 0))
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return {"root": root, "sockets": out}


# firewall-cmd's DBUS_ERROR (exit 36) when there is no system bus (a container, WSL): firewalld,
# a D-Bus service, cannot be running there
NO_SYSTEM_BUS = stderr_says(Absent, "DBUS_ERROR: Failed to connect to socket")


register(
    Probe("host_ip_addr", LINUX, parse_ip_addr, ("ip", "-j", "addr"),
          description="the host's interfaces and addresses (the Multipass bridge mpqemubr*)"),
    Probe("host_ip_route", LINUX, parse_ip_route, ("ip", "-j", "route"),
          description="the host's IPv4 routes"),
    Probe("listening_sockets", LINUX, parse_listening_sockets, call=_listening_sockets,
          shows="(python) psutil.net_connections(kind='inet'): LISTEN/UDP sockets, pid, name "
                "(root to see other users' pids)",
          description="who listens on which address and port"),
    Probe("iptables_nft", LINUX, parse_iptables_save, ("iptables-nft-save",),
          privileged=True, readers=(tool_missing, no_kernel_support), description="the iptables rules of the nf_tables backend"),
    Probe("iptables_legacy", LINUX, parse_iptables_save, ("iptables-legacy-save",),
          privileged=True, readers=(tool_missing, no_kernel_support), description="the iptables rules of the legacy backend"),
    Probe("iptables", LINUX, parse_iptables_save, ("iptables-save",),
          privileged=True, description="the iptables rules (default backend; fallback for iptables < 1.8)"),
    Probe("ufw_status", LINUX, parse_ufw_status, ("ufw", "status", "verbose"),
          privileged=True, readers=(tool_missing,), description="ufw: active, defaults, rules"),
    Probe("firewalld_zones", LINUX, parse_active_zones,
          ("firewall-cmd", "--get-active-zones"), privileged=True, data_rcs=frozenset({0, 252}),
          readers=(tool_missing, NO_SYSTEM_BUS),
          description="firewalld: active zones and their interfaces (rc 252: not running; "
                      "no system bus: it cannot run)"),
    Probe("firewalld_default_zone", LINUX, parse_default_zone,
          ("firewall-cmd", "--get-default-zone"), privileged=True, data_rcs=frozenset({0, 252}),
          description="firewalld: the zone of interfaces no zone names"),
    Probe("firewalld_zone", LINUX, parse_zone_info,
          ("firewall-cmd", "--info-zone={zone}"), privileged=True, data_rcs=frozenset({0, 252}),
          description="firewalld: one zone's target, services and ports"),
    Probe("sysctl_ip_forward", LINUX, parse_sysctl_int,
          ("sysctl", "-n", "net.ipv4.ip_forward"), description="net.ipv4.ip_forward"),
    Probe("snap_multipass", LINUX, parse_snap_services, ("snap", "services", "multipass"),
          description="the multipass snap's services (multipassd)"),
    Probe("multipass_subnet", LINUX, parse_json, call=_subnet_file,
          shows=f"(python) read ${DATA_ENV}/network/multipass_subnet (default {SNAP_DATA})",
          description="the subnet Multipass persisted for its bridge"),
    Probe("dnsmasq_leases", LINUX, parse_json, call=_leases_file,
          shows=f"(python) read ${DATA_ENV}/network/dnsmasq.leases (default {SNAP_DATA})",
          description="the leases Multipass's dnsmasq handed out (instance MAC -> IPv4)"),
    # bridged networking on Linux QEMU (1.15+) creates its bridge through NetworkManager (D-Bus)
    Probe("networkmanager_active", LINUX, parse_unit_state,
          ("systemctl", "is-active", "NetworkManager"), data_rcs=frozenset({0, 3, 4}),
          description="is NetworkManager running (rc 3: inactive, 4: no such unit)"),
)

# multipassd's journal (the snap's services): known failure signatures (linux.logs.known_errors).
# `--unit` takes the glob itself (no shell); no such unit prints `-- No entries --` (rc 0).
MULTIPASSD_JOURNAL = ("journalctl", "--unit", "snap.multipass*", "--no-pager", "-n", "2000", "-o", "short-iso")

register(
    Probe("multipassd_journal", LINUX, decode, MULTIPASSD_JOURNAL, privileged=True,
          readers=(tool_missing, stderr_says(Absent, *NO_JOURNAL)),
          description="the end of multipassd's journal (known failure signatures)"),
)
