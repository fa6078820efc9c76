"""Fault injection: each fault breaks the lab for real (processes, sockets,
routes, firewall rules); heal() puts every piece back to the healthy baseline.

Faults that affect DHCP re-run DHCP on the instances afterwards, so an
instance without a lease really has no IPv4 (and `multipass list` shows N/A).

Longer than ~300 lines on purpose: one concern, a fault each a few lines, and the FAULTS table
that names them for the CLI, the API and heal(); heal must see every fault's pieces.
"""
from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass
from typing import Callable

from . import firewalld, lan, services, topology, web
from .netns import LabError, nsx, ns_list, run
from .state import LabState, current_pids

BOTH = ("linux", "macos")
LINUX = ("linux",)
SQUATTERS = ("squat53", "squat67")
PMTU_HOP_MTU = 1400  # a VPN-like hop: 1500-byte packets do not fit


@dataclass(frozen=True)
class Fault:
    name: str
    layouts: tuple[str, ...]
    doc: str
    apply: Callable[[LabState, str | None], None]
    arg: str = ""   # help for the optional argument


def redhcp(st: LabState, exclude: tuple[str, ...] = (), tries: int = 1) -> None:
    """Re-run DHCP on every live instance (not Deleted), so their state reflects the fault.

    After a fault one DISCOVER (1 s) is enough on these local links: a lost lease
    shows quickly; heal uses more tries (a success returns at once anyway).
    """
    names = [n for n, i in st.instances.items() if i.state != "Deleted" and n not in exclude]
    services.dhcp(st, names, tries=tries)
    for n in names:
        inst = st.instances[n]
        if inst.ip and inst.state == "Unknown":
            inst.state = "Running"


def _nft(st: LabState, text: str) -> None:
    nsx(st.host_ns, ["nft", "-f", "-"], input=text)


def _ipt(st: LabState, *args: str) -> None:
    nsx(st.host_ns, ["iptables", "-w", *args])


def _expect_fail(st: LabState, starter, *args) -> None:
    """Restart a server that must now fail (its port is squatted)."""
    if services.try_start(st, starter, *args) is None:
        raise LabError(f"{starter.__name__} started although its port is squatted")


# ---- DNS ---------------------------------------------------------------------------------------

def dns_stop(st: LabState, arg: str | None) -> None:
    if st.layout == "linux":
        # Multipass has ONE dnsmasq for DHCP and DNS; to kill only DNS, restart it with --port=0.
        services.start_multipass_dnsmasq(st, "dhcp-only")
    else:
        services.stop(st, "host-dns")


def dns_squat(st: LabState, arg: str | None) -> None:
    if st.layout == "linux":
        services.stop(st, "dnsmasq")
        services.start_squatter(st, "squat53", "dnscrypt-proxy", "0.0.0.0", 53)
        _expect_fail(st, services.start_multipass_dnsmasq)  # like multipassd: "dnsmasq died"
        redhcp(st)                                            # so DHCP is gone too
    else:
        services.stop(st, "host-dns")
        services.start_squatter(st, "squat53", "dnscrypt-proxy", "0.0.0.0", 53)
        _expect_fail(st, services.start_host_dns)


def dns_intercept(st: LabState, arg: str | None) -> None:
    services.start_net_dns(st, intercept=True)


# ---- DHCP ----------------------------------------------------------------------------------------

def dhcp_stop(st: LabState, arg: str | None) -> None:
    if st.layout == "linux":
        services.start_multipass_dnsmasq(st, "dns-only")
    else:
        services.stop(st, "host-dhcp")
    redhcp(st)


def dhcp_squat(st: LabState, arg: str | None) -> None:
    if st.layout == "linux":
        services.stop(st, "dnsmasq")
        services.start_squatter(st, "squat67", "dhcpd", "0.0.0.0", 67)
        _expect_fail(st, services.start_multipass_dnsmasq)
    else:
        services.stop(st, "host-dhcp")
        services.start_squatter(st, "squat67", "dhcpd", "0.0.0.0", 67)
        _expect_fail(st, services.start_host_dhcp)
    redhcp(st)


def dhcp_rogue(st: LabState, arg: str | None) -> None:
    names = list(st.instances)
    if len(names) < 2:
        raise LabError("dhcp-rogue needs a second instance to host the rogue server")
    host = arg or names[1]
    if host not in st.instances or not st.instances[host].ip:
        raise LabError(f"dhcp-rogue: {host!r} is not an instance with an address")
    # The real server is stopped: with both running the winner is random (recipe §7.10).
    if st.layout == "linux":
        services.start_multipass_dnsmasq(st, "dns-only")
    else:
        services.stop(st, "host-dhcp")
    services.start_rogue_dhcp(st, host)
    redhcp(st, exclude=(host,))


# ---- routing / NAT / firewall -------------------------------------------------------------------

def nat_removed(st: LabState, arg: str | None) -> None:
    if st.layout == "linux":
        _ipt(st, "-t", "nat", "-F", "POSTROUTING")  # only Multipass's rules live there
    else:
        nsx(st.host_ns, ["nft", "delete", "table", "ip", "mplab_nat"])


def _halves(st: LabState) -> list[str]:
    return [str(n) for n in ipaddress.ip_network(st.subnet).subnets(prefixlen_diff=1)]


def route_hijack(st: LabState, arg: str | None) -> None:
    for half in _halves(st):  # more specific than the bridge's /24, as a VPN client would add
        run(["ip", "-n", st.host_ns, "route", "add", half, "via", st.wan_net_ip, "dev", st.uplink])


def loss(st: LabState, arg: str | None) -> None:
    pct = int(arg or 50)
    if not 0 <= pct <= 100:
        raise LabError("loss: percentage must be 0..100")
    _nft(st, f"table inet mplab_loss {{\n"
             f" chain fw {{ type filter hook forward priority 0; policy accept;\n"
             f'  oifname "{st.uplink}" numgen random mod 100 < {pct} drop; }}\n'
             f" chain out {{ type filter hook output priority 0; policy accept;\n"
             f'  oifname "{st.uplink}" numgen random mod 100 < {pct} drop; }}\n}}\n')


def black_hole(st: LabState, arg: str | None) -> None:
    # Forwarded packets to mp-net are dropped on the way out; the host's own traffic is dropped
    # on the way back in (an output drop would hand the sender EPERM, which is not silent).
    dst = f"{{ {st.external_ip}, {st.external_dns}, {st.probe_answer}, {st.wan_net_ip} }}"
    _nft(st, f"table inet mplab_blackhole {{\n"
             f" chain fw {{ type filter hook forward priority -10; policy accept; ip daddr {dst} drop; }}\n"
             f" chain in {{ type filter hook input priority -10; policy accept; ip saddr {dst} drop; }}\n}}\n")


def bridge_down(st: LabState, arg: str | None) -> None:
    run(["ip", "-n", st.host_ns, "link", "set", st.bridge, "down"])


def ip_forward_off(st: LabState, arg: str | None) -> None:
    nsx(st.host_ns, ["sysctl", "-qw", "net.ipv4.ip_forward=0"])


def forward_drop(st: LabState, arg: str | None) -> None:
    """Docker's pattern: FORWARD policy DROP, and Multipass's FORWARD ACCEPT rules gone."""
    _ipt(st, "-P", "FORWARD", "DROP")
    for line in nsx(st.host_ns, ["iptables", "-w", "-S", "FORWARD"]).stdout.splitlines():
        if line.startswith("-A FORWARD") and "-j ACCEPT" in line:
            _ipt(st, "-D", *shlex.split(line)[1:])


def nft_forward_drop(st: LabState, arg: str | None) -> None:
    """A native nftables firewall (inet family, not iptables-nft: iptables-save never shows it)
    whose forward chain drops what is not a reply: the instances' new outbound traffic dies."""
    _nft(st, "table inet mplab_nftfwd {\n"
             "  chain forward { type filter hook forward priority filter; policy drop;\n"
             "    ct state established,related accept; }\n}\n")


def dhcp_blocked(st: LabState, arg: str | None) -> None:
    """A ufw/firewalld-style drop of DHCP on the bridge, ahead of Multipass's ACCEPT."""
    _ipt(st, "-I", "INPUT", "1", "-i", st.bridge, "-p", "udp", "--dport", "67", "-j", "DROP")
    redhcp(st)


def dnsmasq_killed(st: LabState, arg: str | None) -> None:
    services.stop(st, "dnsmasq")
    redhcp(st)


def port53_squat(st: LabState, arg: str | None) -> None:
    services.stop(st, "dnsmasq")
    services.start_squatter(st, "squat53", "named", st.gateway, 53)
    _expect_fail(st, services.start_multipass_dnsmasq)
    redhcp(st)


def port67_squat(st: LabState, arg: str | None) -> None:
    services.stop(st, "dnsmasq")
    services.start_squatter(st, "squat67", "dhcpd", st.gateway, 67)
    _expect_fail(st, services.start_multipass_dnsmasq)
    redhcp(st)


# ---- the way out: path MTU, TLS, proxies ---------------------------------------------------------

def mtu_blackhole(st: LabState, arg: str | None) -> None:
    """mp-host's uplink gets a smaller MTU and the host's ICMP "fragmentation needed" is dropped:
    instances' full-size DF packets vanish silently on the way out; full-size packets from the
    fake internet are dropped by the smaller link on the way in (no ICMP either)."""
    mtu = int(arg or PMTU_HOP_MTU)
    if not 576 <= mtu < 1500:
        raise LabError("mtu-blackhole: the hop's MTU must be 576..1499")
    run(["ip", "-n", st.host_ns, "link", "set", st.uplink, "mtu", str(mtu)])
    _nft(st, "table inet mplab_pmtu {\n"
             " chain out { type filter hook output priority -10; policy accept;\n"
             "  icmp type destination-unreachable icmp code frag-needed drop; }\n}\n")


def tls_intercept(st: LabState, arg: str | None) -> None:
    """A security product's TLS inspection: the instances' HTTPS to the image server is DNATed to
    an interceptor on the host presenting a certificate from another CA."""
    web.start_interceptor(st)
    _nft(st, f"table ip mplab_tls {{\n"
             f" chain pre {{ type nat hook prerouting priority dstnat; policy accept;\n"
             f'  iifname "{st.bridge}" ip daddr {st.image_ip} tcp dport 443 dnat to {st.gateway}:{web.INTERCEPT_PORT}; }}\n}}\n')


def proxy_required(st: LabState, arg: str | None) -> None:
    """Only the proxy may reach the image server: direct connections (from the host or the
    instances, through the uplink) are dropped silently. The daemon is not told."""
    nsx(st.net_ns, ["nft", "-f", "-"], input=(
        f"table inet mplab_proxyonly {{\n"
        f" chain in {{ type filter hook input priority -10; policy accept;\n"
        f'  iifname "up0" ip daddr {st.image_ip} tcp dport 443 drop; }}\n}}\n'))


def set_daemon_proxy(st: LabState, env: dict[str, str]) -> None:
    """Restart the lab's multipassd with these proxy variables (e.g. {"http_proxy": URL})."""
    st.daemon_env = dict(env)
    web.start_daemon_env(st)


# ---- ARP ---------------------------------------------------------------------------------------------

def add_alias(st: LabState, instance: str, ip: str, prefix: int = 24) -> None:
    """Add an extra IPv4 on an instance's eth0 (recorded; heal removes it)."""
    inst = st.instances[instance]
    nsx(inst.netns, ["ip", "addr", "add", f"{ip}/{prefix}", "dev", "eth0"])
    st.aliases.setdefault(instance, []).append(f"{ip}/{prefix}")


def remove_alias(st: LabState, instance: str, ip: str) -> None:
    inst = st.instances[instance]
    for a in list(st.aliases.get(instance, [])):
        if a.split("/")[0] == ip:
            nsx(inst.netns, ["ip", "addr", "del", a, "dev", "eth0"], check=False)
            st.aliases[instance].remove(a)


def arp_filter(st: LabState, arg: str | None) -> None:
    """vmnet-like: the bridge passes ARP replies only from the IP DHCP assigned to each port."""
    alias = arg or f"{st.subnet_prefix}.200"
    if ipaddress.ip_address(alias) not in ipaddress.ip_network(st.subnet):
        raise LabError(f"arp-filter: {alias} is not in {st.subnet}")
    _apply_arp_filter(st)
    add_alias(st, st.primary, alias)
    flush_neigh(st)


def _apply_arp_filter(st: LabState) -> None:
    rules = [f'iifname "{i.host_port}" arp operation reply arp saddr ip != {i.ip} drop;'
             for i in st.instances.values() if i.ip and i.state != "Deleted"]
    body = " ".join(rules)
    nsx(st.host_ns, ["nft", "delete", "table", "bridge", "mplab_arp"], check=False)
    _nft(st, f"table bridge mplab_arp {{\n"
             f" chain in {{ type filter hook input priority 0; policy accept; {body} }}\n"
             f" chain fw {{ type filter hook forward priority 0; policy accept; {body} }}\n}}\n")


def refresh_arp_filter(st: LabState) -> None:
    """vmnet filters every instance, also one launched after the fault was applied."""
    if "arp-filter" in st.faults:
        _apply_arp_filter(st)


def flush_neigh(st: LabState) -> None:
    for ns in ns_list():
        if topology.is_lab_ns(ns):
            nsx(ns, ["ip", "neigh", "flush", "all"], check=False)


# ---- bridged networking, zones, a stale address (lab/lan.py) -------------------------------------

def bridged_missing(st: LabState, arg: str | None) -> None:
    """`multipass set local.bridged-network=eth7`: never validated when set (1.16)."""
    lan.set_setting(st, "local.bridged-network", arg or "eth7")


def networkmanager_absent(st: LabState, arg: str | None) -> None:
    """The lab host's systemd has no NetworkManager (Ubuntu Server, #2726): its unit view says inactive."""
    lan.set_unit(st, "NetworkManager", None)


def nic_no_dhcp(st: LabState, arg: str | None) -> None:
    """The LAN's DHCP server stops; the bridged instance's extra NIC asks again and gets nothing."""
    services.stop(st, "lan-dhcp")
    for name in lan.extra_nics(st):
        if name in st.instances:
            lan.extra_dhcp(st, name, tries=1)


def zone_collision(st: LabState, arg: str | None) -> None:
    """zone2's file names the LAN's subnet (chosen once, before the LAN moved there; never re-checked)."""
    lan.write_zones(st, {**lan.zone_subnets(st), "zone2": lan.LAN_NET})


ZONE_BRIDGE = "mpqemubrzone2"  # Multipass HEAD's bridge of zone2 (mpqemubr<zone>)


def firewalld_zones(st: LabState, arg: str | None) -> None:
    """A running firewalld (lab/firewalld.py) with the instances' bridge in `trusted` and zone2's
    bridge in `public`, which allows neither DHCP nor DNS: two zones the DHCP check reads."""
    net = ipaddress.ip_network(lan.zone_subnets(st)["zone2"])
    firewalld.add_bridge(st, ZONE_BRIDGE, f"{next(net.hosts())}/{net.prefixlen}")
    firewalld.start(st, {st.bridge: "trusted", ZONE_BRIDGE: "public"})


def stale_ip(st: LabState, arg: str | None) -> None:
    """The first instance's lease changes (a dnsmasq reservation, then DHCP again) while the
    stand-in keeps reporting the address it had: the daemon's stale cache (#3772, #5075)."""
    name = st.primary
    inst = st.instances[name]
    old = inst.ip
    if not old:
        raise LabError(f"stale-ip: {name} has no address to go stale")
    new = f"{st.subnet_prefix}.{201 if old.endswith('.200') else 200}"
    st.path("data", "network", "dnsmasq.hosts").write_text(f"{inst.mac},{new}\n")
    services.start_multipass_dnsmasq(st)  # rereads the reservations
    services.dhcp(st, [name])
    if st.instances[name].ip != new:
        raise LabError(f"stale-ip: {name} got {st.instances[name].ip}, not the reserved {new}")
    lan.set_cached_ip(st, name, old)


FAULTS: dict[str, Fault] = {f.name: f for f in [
    Fault("dns-stop", BOTH, "gateway DNS stopped (linux: dnsmasq restarted with --port=0, DHCP stays)", dns_stop),
    Fault("dns-squat", BOTH, "dnscrypt-proxy holds 0.0.0.0:53 udp+tcp; the real DNS cannot start "
          "(linux: the single dnsmasq dies, so DHCP goes too)", dns_squat),
    Fault("dns-intercept", BOTH, "the upstream DNS answers 198.18.0.42 for every name", dns_intercept),
    Fault("dhcp-stop", BOTH, "DHCP server stopped (linux: dnsmasq without --dhcp-range, DNS stays)", dhcp_stop),
    Fault("dhcp-squat", BOTH, "dhcpd holds 0.0.0.0:67; the real DHCP server cannot start", dhcp_squat),
    Fault("dhcp-rogue", BOTH, "real DHCP stopped; a rogue dnsmasq in another instance offers "
          ".150-.160 with router/DNS .99", dhcp_rogue, "rogue host instance (default: 2nd)"),
    Fault("nat-removed", BOTH, "masquerade rules removed", nat_removed),
    Fault("route-hijack", BOTH, "instance subnet routed out of the uplink in two /25s (VPN-style)", route_hijack),
    Fault("arp-filter", BOTH, "bridge drops ARP replies from any IP but the DHCP one; alias .200 on "
          "the first instance", arp_filter, "alias IP (default x.x.x.200)"),
    Fault("loss", BOTH, "random drop towards the fake internet (nft numgen)", loss, "percent (default 50)"),
    Fault("black-hole", BOTH, "all traffic to mp-net's addresses silently dropped", black_hole),
    Fault("bridge-down", BOTH, "ip link set <bridge> down", bridge_down),
    Fault("ip-forward-off", BOTH, "net.ipv4.ip_forward=0 in mp-host", ip_forward_off),
    Fault("dnsmasq-killed", LINUX, "Multipass's dnsmasq killed (no DHCP, no DNS)", dnsmasq_killed),
    Fault("port53-squat", LINUX, "named holds <gateway>:53 before dnsmasq restarts; dnsmasq dies", port53_squat),
    Fault("port67-squat", LINUX, "dhcpd holds <gateway>:67 before dnsmasq restarts; dnsmasq dies", port67_squat),
    Fault("forward-drop", LINUX, "FORWARD policy DROP, Multipass's FORWARD ACCEPTs removed (Docker)", forward_drop),
    Fault("mtu-blackhole", BOTH, "uplink MTU 1400 and the host's ICMP frag-needed dropped (VPN-style "
          "path-MTU black hole)", mtu_blackhole, "the hop's MTU (default 1400)"),
    Fault("tls-intercept", BOTH, "instances' HTTPS to the image server DNATed to an interceptor with "
          "another CA (TLS inspection)", tls_intercept),
    Fault("proxy-required", BOTH, "direct HTTPS to the image server dropped; only the proxy passes "
          "(the daemon is not told)", proxy_required),
    Fault("bridged-missing", LINUX, "local.bridged-network names eth7, which `multipass networks` does not list",
          bridged_missing, "the network's name (default eth7)"),
    Fault("networkmanager-absent", LINUX, "the lab host's systemd view has no NetworkManager", networkmanager_absent),
    Fault("nic-no-dhcp", LINUX, "the LAN's DHCP server stopped: the bridged NIC gets no address", nic_no_dhcp),
    Fault("zone-collision", LINUX, "zone2's file names the LAN's subnet 192.168.77.0/24", zone_collision),
    Fault("stale-ip", LINUX, "the first instance's lease moves to .200; the stand-in keeps reporting the old "
          "address (a stale cache)", stale_ip),
    Fault("nft-forward-drop", LINUX, "a native nft table (inet mplab_nftfwd) drops forwarded traffic but "
          "replies; iptables-save shows nothing", nft_forward_drop),
    Fault("firewalld-zones", LINUX, f"firewalld runs (its own D-Bus) with the bridge in zone trusted and "
          f"{ZONE_BRIDGE} (zone2's bridge) in zone public, which allows no DHCP or DNS", firewalld_zones),
    Fault("dhcp-blocked", LINUX, "INPUT drop of udp/67 on the bridge before Multipass's ACCEPT (ufw)", dhcp_blocked),
]}


def validate(st: LabState, name: str) -> Fault:
    """The fault, or a clear error if it is unknown, already active or wrong for the layout."""
    f = FAULTS.get(name)
    if f is None:
        raise LabError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    if st.layout not in f.layouts:
        raise LabError(f"fault {name!r} makes no sense in the {st.layout} layout (only: {', '.join(f.layouts)})")
    if name in st.faults:
        raise LabError(f"fault {name!r} is already active; heal first")
    return f


def apply(st: LabState, name: str, arg: str | None = None) -> None:
    """Apply one fault for real."""
    validate(st, name).apply(st, arg)
    st.faults.append(name)


def heal(st: LabState) -> None:
    """Revert every fault: back to the state `up` left (same leases, same rules)."""
    for label in current_pids(st.root):
        if label in SQUATTERS or label in ("rogue-dhcp", "interceptor"):
            services.stop(st, label)
    if "firewalld-zones" in st.faults:
        firewalld.stop_all(st)
        firewalld.del_bridge(st, ZONE_BRIDGE)
    topology.apply_firewall(st)
    lan.heal(st)
    nsx(st.net_ns, ["nft", "delete", "table", "inet", "mplab_proxyonly"], check=False)
    run(["ip", "-n", st.host_ns, "link", "set", st.uplink, "mtu", "1500"])
    if not services.alive(st, "image-server"):
        web.start_image_server(st)
    if not services.alive(st, "tinyproxy"):
        web.start_proxy(st)
    if st.daemon_env or not services.alive(st, "multipassd"):
        set_daemon_proxy(st, {})
    for half in _halves(st):
        run(["ip", "-n", st.host_ns, "route", "del", half], check=False)
    run(["ip", "-n", st.host_ns, "link", "set", st.bridge, "up"])
    run(["ip", "-n", st.host_ns, "route", "replace", "default", "via", st.wan_net_ip, "dev", st.uplink])
    nsx(st.host_ns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
    if "dns-intercept" in st.faults or not services.alive(st, "net-dns"):
        services.start_net_dns(st)
    # Any fault may leave the gateway DNS with stale pending forwards (dnsmasq folds an
    # identical query into one still in flight), so it restarts fresh after every fault.
    if st.layout == "linux":
        if st.faults or not services.alive(st, "dnsmasq"):
            services.start_multipass_dnsmasq(st)
    else:
        if st.faults or not services.alive(st, "host-dns"):
            services.start_host_dns(st)
        if not services.alive(st, "host-dhcp"):
            services.start_host_dhcp(st)
    for inst, addrs in list(st.aliases.items()):
        for a in list(addrs):
            if inst in st.instances:
                remove_alias(st, inst, a.split("/")[0])
    st.aliases = {}
    live = [i for i in st.instances.values() if i.state != "Deleted"]
    if any(i.ip is None or i.dhcp_server != st.gateway or i.state != "Running" for i in live):
        redhcp(st, tries=services.DHCP_TRIES)   # only when a lease is missing or came from elsewhere
    flush_neigh(st)
    st.faults = []
