"""The LAN a bridged instance joins (linux layout), and what Multipass keeps about bridging and zones.

`<prefix>-lan` is the LAN's router: `lan0` 192.168.77.1/24 with its own DHCP server (a
DHCP-only dnsmasq, .100-.199, router .1). `mp-host`'s "ethernet NIC" on it is `eth1`,
already in `br-eth1` (what Multipass makes through NetworkManager the first time an
instance is bridged onto eth1, `Created bridge: br-eth1`), the host's LAN address
192.168.77.2/24 on the bridge. A bridged instance has a second veth, `eth1` inside it,
port `tb-<hash>` of br-eth1, and takes its address from the LAN's DHCP (metric 200, as
Multipass's netplan `route-metric: 200`).

The stand-in's state: `$LAB_STATE/data/settings.json` (`local.bridged-network`, set with
`multipass set`), `data/extra_nics.json` (instance -> its extra NICs), the zone files
`data/az-manager.json` and `data/zones/<zone>.json` as multipassd writes them (main), and
`data/cached_ips.json` (an address the stand-in keeps reporting: a stale cache). The lab
host's systemd view is `$LAB_STATE/units/<unit>` (one state word): `lab/bin/systemctl`
answers `is-active` from it, so nothing about the real host's services is read or changed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .netns import LabError, new_ns, nsx, run
from .state import LabState

LAN_PREFIX = "192.168.77"
LAN_NET = f"{LAN_PREFIX}.0/24"
ROUTER = f"{LAN_PREFIX}.1"
HOST_LAN_IP = f"{LAN_PREFIX}.2"
HOST_NIC = "eth1"
HOST_BRIDGE = "br-eth1"
EXTRA_SCRIPT = Path(__file__).resolve().parent / "udhcpc-extra.script"


def lan_ns(st: LabState) -> str:
    """The LAN router's namespace: `<prefix>-lan` beside `<prefix>-host`."""
    return st.host_ns[: -len("host")] + "lan"


def _json(st: LabState, name: str, default):
    try:
        return json.loads(st.path("data", name).read_text())
    except FileNotFoundError:
        return default


def _write(st: LabState, name: str, value) -> None:
    p = st.path("data", name)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, indent=4) + "\n")
    os.replace(tmp, p)


def settings(st: LabState) -> dict:
    return _json(st, "settings.json", {})


def set_setting(st: LabState, key: str, value: str) -> None:
    cur = settings(st)
    cur[key] = value
    _write(st, "settings.json", cur)


def extra_nics(st: LabState) -> dict:
    return _json(st, "extra_nics.json", {})


def cached_ips(st: LabState) -> dict:
    return _json(st, "cached_ips.json", {})


def set_cached_ip(st: LabState, name: str, ip: str | None) -> None:
    cur = cached_ips(st)
    if ip is None:
        cur.pop(name, None)
    else:
        cur[name] = ip
    _write(st, "cached_ips.json", cur)


def set_unit(st: LabState, unit: str, state: str | None) -> None:
    """The lab host's view of a systemd unit (None: no such unit)."""
    d = st.path("units")
    d.mkdir(parents=True, exist_ok=True)
    if state is None:
        (d / unit).unlink(missing_ok=True)
    else:
        (d / unit).write_text(state + "\n")


# ---- zones (main): the daemon's files ------------------------------------------------------

def zone_subnets(st: LabState) -> dict[str, str]:
    """zone1 is the lab's subnet (its bridge), zone2 and zone3 the next /24s."""
    import ipaddress  # (lazily: the stand-in imports this module on every call)

    base = ipaddress.ip_network(st.subnet)
    return {f"zone{i + 1}": str(ipaddress.ip_network((int(base.network_address) + 256 * i, 24)))
            for i in range(3)}


def write_zones(st: LabState, subnets: dict[str, str] | None = None) -> None:
    _write(st, "az-manager.json", {"automatic_zone": "zone1"})
    for zone, subnet in (subnets or zone_subnets(st)).items():
        _write(st, f"zones/{zone}.json", {"subnet": subnet, "available": True})


def zones(st: LabState) -> dict[str, dict]:
    d = st.path("data", "zones")
    if not d.is_dir():
        return {}
    return {p.stem: json.loads(p.read_text()) for p in sorted(d.glob("zone*.json"))}


# ---- the LAN -----------------------------------------------------------------------------------

def build(st: LabState) -> None:
    """The LAN router, its DHCP server, the host's eth1 in br-eth1; the stand-in's defaults."""
    from . import services

    ns = lan_ns(st)
    new_ns(ns)
    run(["ip", "-n", st.host_ns, "link", "add", HOST_NIC, "type", "veth", "peer", "name", "lan0", "netns", ns])
    run(["ip", "-n", ns, "addr", "add", f"{ROUTER}/24", "dev", "lan0"])
    run(["ip", "-n", ns, "link", "set", "lan0", "up"])
    run(["ip", "-n", st.host_ns, "link", "add", HOST_BRIDGE, "type", "bridge", "stp_state", "0", "forward_delay", "0"])
    run(["ip", "-n", st.host_ns, "link", "set", HOST_NIC, "master", HOST_BRIDGE])
    run(["ip", "-n", st.host_ns, "link", "set", HOST_NIC, "up"])
    run(["ip", "-n", st.host_ns, "addr", "add", f"{HOST_LAN_IP}/24", "dev", HOST_BRIDGE])
    run(["ip", "-n", st.host_ns, "link", "set", HOST_BRIDGE, "up"])
    start_lan_dhcp(st)
    set_setting(st, "local.bridged-network", HOST_NIC)
    set_unit(st, "NetworkManager", "active")
    write_zones(st)
    del services


def start_lan_dhcp(st: LabState) -> int:
    from .services import _conf, start_daemon

    conf = _conf(st, "lan-dhcp", [
        "port=0", "interface=lan0", "bind-interfaces", "user=root",
        f"dhcp-range={LAN_PREFIX}.100,{LAN_PREFIX}.199,255.255.255.0,12h", f"dhcp-option=option:router,{ROUTER}",
        "dhcp-authoritative", "no-ping", f"dhcp-leasefile={st.path('data', 'lan-dhcp.leases')}",
        "log-dhcp", f"log-facility={st.path('logs', 'lan-dhcp.log')}", f"pid-file={st.path('run', 'lan-dhcp.pid')}",
    ])
    return start_daemon(st, "lan-dhcp", lan_ns(st), ["dnsmasq", "--keep-in-foreground", f"--conf-file={conf}"],
                        st.path("run", "lan-dhcp.pid"))


def attach(st: LabState, name: str, network: str = HOST_NIC, mode: str = "auto", mac: str | None = None) -> dict:
    """Give instance `name` a second NIC on the bridge for `network` (br-eth1 for eth1, or the
    named bridge itself); DHCP on it when mode is auto. Returns the NIC's record."""
    inst = st.instances[name]
    bridge = HOST_BRIDGE if network == HOST_NIC else network
    nics = extra_nics(st)
    mine = nics.setdefault(name, [])
    if any(n["id"] == network for n in mine):
        raise LabError(f"{name} already has a NIC on {network}")
    import hashlib

    h = hashlib.sha1(f"{name}/{network}".encode()).hexdigest()
    mac = mac or f"52:54:00:{h[0:2]}:{h[2:4]}:{h[4:6]}"
    port = f"tb-{h[:12]}"
    guest = f"eth{len(mine) + 1}"
    run(["ip", "-n", st.host_ns, "link", "add", port, "type", "veth", "peer", "name", guest, "netns", inst.netns,
         "address", mac])
    run(["ip", "-n", st.host_ns, "link", "set", port, "master", bridge])
    run(["ip", "-n", st.host_ns, "link", "set", port, "up"])
    run(["ip", "-n", inst.netns, "link", "set", guest, "up"])
    nic = {"id": network, "mac": mac, "mode": mode, "port": port, "guest": guest}
    mine.append(nic)
    _write(st, "extra_nics.json", nics)
    if mode == "auto":
        extra_dhcp(st, name)
    return nic


def extra_dhcp(st: LabState, name: str, tries: int = 2) -> dict[str, str | None]:
    """(Re)run DHCP on an instance's extra auto NICs: the old address goes first, so no lease
    means no IPv4."""
    inst = st.instances[name]
    got: dict[str, str | None] = {}
    for nic in extra_nics(st).get(name, []):
        if nic["mode"] != "auto":
            continue
        dev = nic["guest"]
        nsx(inst.netns, ["ip", "-4", "addr", "flush", "dev", dev], check=False)
        lease = st.path("leases", f"{inst.netns}.{dev}.ip")
        lease.unlink(missing_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "MPLAB_STATE": str(st.root),
               "MPLAB_NS": inst.netns}
        run(["ip", "netns", "exec", inst.netns, "udhcpc", "-i", dev, "-f", "-q", "-n", "-t", str(tries), "-T", "1",
             "-x", f"hostname:{name}", "-s", str(EXTRA_SCRIPT)], check=False, env=env, timeout=tries + 5)
        got[dev] = lease.read_text().strip() if lease.exists() else None
    return got


def heal(st: LabState) -> None:
    """Back to the healthy LAN: its DHCP up, eth1 the bridged network, NetworkManager active,
    the zones on their own subnets, no cached address; extra NICs without a lease re-DHCP."""
    from .netns import pid_alive
    from .state import read_pid

    if st.layout != "linux":
        return
    if not pid_alive(read_pid(st.root, "lan-dhcp")):
        start_lan_dhcp(st)
    set_setting(st, "local.bridged-network", HOST_NIC)
    set_unit(st, "NetworkManager", "active")
    write_zones(st)
    _write(st, "cached_ips.json", {})
    reservations = st.path("data", "network", "dnsmasq.hosts")
    if reservations.exists() and reservations.read_text():
        reservations.write_text("")
    for name, nics in extra_nics(st).items():
        inst = st.instances.get(name)
        if inst is None or inst.state == "Deleted":
            continue
        if any(n["mode"] == "auto" and not st.path("leases", f"{inst.netns}.{n['guest']}.ip").exists() for n in nics):
            extra_dhcp(st, name)


def forget(st: LabState, name: str) -> None:
    """A deleted instance's extra NICs (gone with its namespace) and cached address."""
    nics = extra_nics(st)
    if nics.pop(name, None) is not None:
        _write(st, "extra_nics.json", nics)
    set_cached_ip(st, name, None)
