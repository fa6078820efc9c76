"""Build and tear down the lab's namespaces, links, routes and firewall.

Nothing here touches the root namespace: every veth is created directly
inside lab namespaces (`ip -n mp-host link add ... peer ... netns X`), and
sysctls/iptables/nft run through `ip netns exec`.
"""
from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from . import services, web
from .netns import LabError, kill_pid, new_ns, ns_list, ns_pids, nsx, run
from .state import (HOST_NS, INSTANCE_NS_PREFIX, LAN_NS, LAYOUTS, NET_NS, InstanceState, LabState, current_pids,
                    forget_pid, load_state, locked)

BIN_DIR = Path(__file__).resolve().parent / "bin"
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
TOOLS = ("ip", "nft", "iptables", "iptables-restore", "dnsmasq", "udhcpc", "ping", "dig", "ss", "openssl",
         "tinyproxy", "tcpdump")
MP_COMMENT = "generated for Multipass network {bridge}"


def is_lab_ns(name: str) -> bool:
    """Namespaces the lab owns by name: mp-host, mp-net, mp-i-* (another MPLAB_NS_PREFIX: its own)."""
    return name in (HOST_NS, NET_NS, LAN_NS) or name.startswith(INSTANCE_NS_PREFIX)


# ---- firewall --------------------------------------------------------------------------------

def multipass_iptables(st: LabState) -> str:
    """Multipass 1.16's firewall rules (firewall_config.cpp) as iptables-restore input.

    The lines are issued in Multipass's call order with -I/-A, so the resulting
    chains have exactly the order the real daemon produces (inserts reverse).
    """
    br, cidr = st.bridge, st.subnet
    c = f'-m comment --comment "{MP_COMMENT.format(bridge=br)}"'
    filt = [
        f"-I INPUT -i {br} -p udp --dport 67 -j ACCEPT {c}",
        f"-I INPUT -i {br} -p udp --dport 53 -j ACCEPT {c}",
        f"-I INPUT -i {br} -p tcp --dport 53 -j ACCEPT {c}",
        f"-I OUTPUT -o {br} -p udp --sport 67 -j ACCEPT {c}",
        f"-I OUTPUT -o {br} -p udp --sport 53 -j ACCEPT {c}",
        f"-I OUTPUT -o {br} -p tcp --sport 53 -j ACCEPT {c}",
        f"-I FORWARD -d {cidr} -o {br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT {c}",
        f"-I FORWARD -s {cidr} -i {br} -j ACCEPT {c}",
        f"-I FORWARD -i {br} -o {br} -j ACCEPT {c}",
        f"-A FORWARD -i {br} -j REJECT --reject-with icmp-port-unreachable {c}",
        f"-A FORWARD -o {br} -j REJECT --reject-with icmp-port-unreachable {c}",
    ]
    mangle = [f"-I POSTROUTING -o {br} -p udp --dport 68 -j CHECKSUM --checksum-fill {c}"]
    nat = [
        f"-I POSTROUTING -s {cidr} -d 224.0.0.0/24 -j RETURN {c}",
        f"-I POSTROUTING -s {cidr} -d 255.255.255.255/32 -j RETURN {c}",
        f"-I POSTROUTING -s {cidr} ! -d {cidr} -p tcp -j MASQUERADE --to-ports 1024-65535 {c}",
        f"-I POSTROUTING -s {cidr} ! -d {cidr} -p udp -j MASQUERADE --to-ports 1024-65535 {c}",
        f"-I POSTROUTING -s {cidr} ! -d {cidr} -j MASQUERADE {c}",
    ]
    return "\n".join([
        "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", *filt, "COMMIT",
        "*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]",
        ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]", *mangle, "COMMIT",
        "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
        ":POSTROUTING ACCEPT [0:0]", *nat, "COMMIT", ""])


def macos_nat(st: LabState) -> str:
    """vmnet-like NAT: masquerade the instance subnet out of the uplink."""
    return (f"table ip mplab_nat {{\n chain post {{ type nat hook postrouting priority srcnat; policy accept;\n"
            f'  oifname "{st.uplink}" ip saddr {st.subnet} masquerade; }}\n}}\n')


def apply_firewall(st: LabState) -> None:
    """Reset mp-host's whole ruleset to the layout's healthy baseline."""
    nsx(st.host_ns, ["nft", "flush", "ruleset"])
    if st.layout == "linux":
        nsx(st.host_ns, ["iptables-restore", "-w"], input=multipass_iptables(st))
    else:
        nsx(st.host_ns, ["nft", "-f", "-"], input=macos_nat(st))


# ---- namespaces and instances ---------------------------------------------------------------

def add_instance(st: LabState, name: str, origin: str = "lab") -> InstanceState:
    """Create namespace mp-i-<name> whose eth0 is a veth port of the bridge (no DHCP yet)."""
    if not NAME_RE.match(name):
        raise LabError(f"invalid instance name {name!r}: letters, digits, hyphens; starts with a letter")
    if name in st.instances:
        raise LabError(f"instance {name!r} already exists")
    ns = f"{st.instance_prefix}{name}"
    h = hashlib.sha1(name.encode()).hexdigest()
    mac = f"52:54:00:{h[0:2]}:{h[2:4]}:{h[4:6]}"
    if st.layout == "linux":
        port = f"tap-{h[:11]}"          # Multipass: tap-<hash>, 15 chars max
    else:
        port = f"vmenet{st.next_port}"  # vmnet's per-VM interface names
        st.next_port += 1
    inst = InstanceState(name=name, netns=ns, mac=mac, host_port=port, origin=origin)
    st.instances[name] = inst           # recorded first, so a failure is still cleaned up
    new_ns(ns)
    etc = Path("/etc/netns") / ns
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "resolv.conf").write_text("")
    web.install_trust_store(st, ns)
    run(["ip", "-n", st.host_ns, "link", "add", port, "type", "veth", "peer", "name", "eth0",
         "netns", ns, "address", mac])
    run(["ip", "-n", st.host_ns, "link", "set", port, "master", st.bridge])
    run(["ip", "-n", st.host_ns, "link", "set", port, "up"])
    run(["ip", "-n", ns, "link", "set", "eth0", "up"])
    return inst


def remove_instance_ns(st: LabState, name: str) -> None:
    """Kill what runs in the instance (by pid) and delete its namespace and /etc/netns dir."""
    inst = st.instances[name]
    inside = set(ns_pids(inst.netns)) if inst.netns in ns_list() else set()
    for label, pid in current_pids(st.root).items():
        if pid in inside:
            kill_pid(pid)
            forget_pid(st.root, label)
    _del_ns(inst.netns)
    for ext in ("ip", "server"):
        st.path("leases", f"{inst.netns}.{ext}").unlink(missing_ok=True)
    inst.ip = None


def _del_ns(ns: str) -> None:
    if ns in ns_list():
        for pid in ns_pids(ns):   # only processes inside our own namespace
            kill_pid(pid, timeout=0.5)
        run(["ip", "netns", "del", ns], check=False)
    shutil.rmtree(Path("/etc/netns") / ns, ignore_errors=True)


# ---- up / down ---------------------------------------------------------------------------------

def preflight(state_dir: Path) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise LabError(f"missing tools: {' '.join(missing)} (apt-get install dnsmasq-base iproute2 "
                       "iputils-ping bind9-dnsutils nftables udhcpc iptables openssl tinyproxy-bin tcpdump)")
    if (state_dir / "state.json").exists():
        raise LabError(f"lab already up ({state_dir}/state.json exists): run 'python -m lab down' first")
    stale = [n for n in ns_list() if is_lab_ns(n)]
    if stale:
        raise LabError(f"lab namespaces already exist: {' '.join(stale)}: run 'python -m lab down' first")


def up(state_dir: Path, layout: str = "linux", names: list[str] | None = None,
       subnet_prefix: str | None = None) -> LabState:
    """Create the whole lab; on any failure tear down what was built and re-raise."""
    if layout not in LAYOUTS:
        raise LabError(f"unknown layout {layout!r} (linux, macos)")
    names = list(names or ["primary", "second"])
    if not names or len(set(names)) != len(names):
        raise LabError(f"need one or more distinct instance names, got {names}")
    bridge, default_prefix = LAYOUTS[layout]
    prefix = subnet_prefix or default_prefix
    if not re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}", prefix):
        raise LabError(f"subnet must be the first three octets, e.g. 10.97.23; got {prefix!r}")
    preflight(state_dir)
    st = LabState(layout=layout, state_dir=str(state_dir.resolve()), bin_dir=str(BIN_DIR), bridge=bridge,
                  gateway=f"{prefix}.1", subnet=f"{prefix}.0/24", subnet_prefix=prefix)
    with locked(state_dir):
        for d in ("conf", "logs", "run", "pids", "leases", "data/network"):
            st.path(d).mkdir(parents=True, exist_ok=True)
        st.save()
        try:
            _build(st, names)
        except BaseException:
            st.save()
            down(state_dir, _locked=True)
            raise
        st.save()
    return st


def _build(st: LabState, names: list[str]) -> None:
    h, n = st.host_ns, st.net_ns
    for ns in (h, n):
        new_ns(ns)
    # fake internet: addresses on lo (no dummy interfaces in this kernel)
    run(["ip", "-n", h, "link", "add", st.uplink, "type", "veth", "peer", "name", "up0", "netns", n])
    run(["ip", "-n", n, "addr", "add", f"{st.wan_net_ip}/24", "dev", "up0"])
    for a in (st.external_ip, st.external_dns):
        run(["ip", "-n", n, "addr", "add", f"{a}/32", "dev", "lo"])
    run(["ip", "-n", n, "link", "set", "up0", "up"])
    # host side
    run(["ip", "-n", h, "link", "add", st.bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0"])
    run(["ip", "-n", h, "addr", "add", f"{st.gateway}/24", "broadcast", f"{st.subnet_prefix}.255",
         "dev", st.bridge])
    run(["ip", "-n", h, "link", "set", st.bridge, "up"])
    run(["ip", "-n", h, "addr", "add", f"{st.wan_host_ip}/24", "dev", st.uplink])
    run(["ip", "-n", h, "link", "set", st.uplink, "up"])
    run(["ip", "-n", h, "route", "add", "default", "via", st.wan_net_ip, "dev", st.uplink])
    nsx(h, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    apply_firewall(st)
    services.start_net_dns(st)
    web.start_all(st)
    if st.layout == "linux":
        net = st.path("data", "network")
        (net / "multipass_subnet").write_text(st.subnet_prefix)
        (net / "dnsmasq.leases").touch()
        (net / "dnsmasq.hosts").touch()
        services.start_multipass_dnsmasq(st)
    else:
        services.start_host_dns(st)
        services.start_host_dhcp(st)
    for name in names:
        add_instance(st, name)
    got = services.dhcp(st, names)
    missing = [k for k, v in got.items() if not v]
    if missing:
        raise LabError(f"initial DHCP failed for {', '.join(missing)} (see {st.path('logs')})")
    if st.layout == "linux":  # the LAN, and the first instance bridged onto it (lab/lan.py)
        from . import lan

        lan.build(st)
        nic = lan.attach(st, names[0])
        if not st.path("leases", f"{st.instances[names[0]].netns}.{nic['guest']}.ip").exists():
            raise LabError(f"the LAN's DHCP gave {names[0]}'s {nic['guest']} no address (see {st.path('logs')})")


def down(state_dir: Path, _locked: bool = False) -> None:
    """Kill every recorded process, delete every lab namespace, remove the state dir."""
    if _locked:
        _down(state_dir)
    else:
        with locked(state_dir):
            _down(state_dir)
    _remove_state_dir(state_dir)


def _down(state_dir: Path) -> None:
    st = load_state(state_dir)
    for label, pid in current_pids(state_dir).items():
        kill_pid(pid)
        forget_pid(state_dir, label)
    names = {n for n in ns_list() if is_lab_ns(n)}
    if st:
        names |= {i.netns for i in st.instances.values()} | {st.host_ns, st.net_ns}
    for ns in sorted(names):
        _del_ns(ns)
    etc = Path("/etc/netns")
    if etc.is_dir():
        for d in etc.iterdir():
            if is_lab_ns(d.name):
                shutil.rmtree(d, ignore_errors=True)
        try:
            etc.rmdir()   # only succeeds when empty, i.e. nobody else uses it
        except OSError:
            pass


def _remove_state_dir(state_dir: Path) -> None:
    """rm -r the state dir, but only if it looks like ours (never '/' or a random dir)."""
    sd = state_dir.resolve()
    if sd == Path("/") or not sd.is_dir():
        return
    if (sd / "lock").exists() or (sd / "state.json").exists():
        shutil.rmtree(sd, ignore_errors=True)
