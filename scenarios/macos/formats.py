"""The macOS machine (`Mac`) and its probe outputs in the real formats, for the scenario
entries (scenarios/macos/entries.py; built by `python scenarios/build.py macos`).

Every scenario is one machine described by a few settings (`Mac`), rendered into the
probe outputs a recording of it would hold, in the real formats: lsof rows as in the
corpus (selftests/data/corpus/macos: `mDNSRespo`, `dnscryptp`, launchd/bootpd on *:67),
macOS 15 `netstat -rn -f inet` layout, `ifconfig -a` with the vmnet bridge and its
`vmenet` member, dhcpd_leases blocks (`ff,<DUID>` on macOS 15+), socketfilterfw
wordings, Multipass 1.16 JSON (alphabetical keys, 4-space indent). A recording holds
only the probes its checks ran: a check that skips early leaves its probes out.

Why this module is over 300 lines: it renders a whole Mac (ifconfig, netstat, lsof,
leases, processes, the log) byte for byte; the parts only make sense together.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
SFW = "/usr/libexec/ApplicationFirewall/socketfilterfw"
SUDO_REFUSED = "sudo: a password is required"
ALTQ = "No ALTQ support in kernel\nALTQ related functions disabled"

VMNET_FAMILY = ("qemu", "applevz", "hyperkit")
MACOS = {"13.6": "22G120", "14.6": "23G80", "14.7": "23H124", "15.1": "24B83", "26.0": "25A354"}


@dataclass(frozen=True)
class Inst:
    name: str
    state: str = "Running"
    ipv4: tuple[str, ...] = ()
    release: str = "Ubuntu 24.04 LTS"


@dataclass(frozen=True)
class Mac:
    """One host. Lists of extra rows/processes are added to the healthy ones."""

    macos: str = "15.1"
    multipass: str = "1.16.3+mac"
    daemon: bool = True
    driver: str = "qemu"
    net: str = "192.168.252"  # the vmnet /24 (first three octets)
    bridge: str | None = "bridge100"  # None: no vmnet bridge (no instance running, or vmnet failed)
    other_bridges: tuple[tuple[str, str], ...] = ()  # (name, net) of other vmnet users
    lan: str = "192.168.1"
    instances: tuple[Inst, ...] = (Inst("primary", ipv4=("192.168.252.2",)),)
    plist: str | None = "192.168.64.1"  # Shared_Net_Address; None: the domain does not exist
    leases: tuple[tuple[str, str], ...] = (("primary", "192.168.252.2"), ("primary", "192.168.64.2"))
    leases_file: bool = True
    firewall: str = "Firewall is enabled. (State = 1)"
    blockall: str = "Firewall has block all state set to disabled."
    bootpd_rule: str = "The application /usr/libexec/bootpd is not part of the firewall"
    bootpd_blocked: bool = False
    udp67: tuple[tuple, ...] | None = None  # None: launchd + bootpd
    port53_extra: tuple[tuple, ...] = ()
    port53_mdns: bool = True
    vpn_if: tuple[str, str] | None = None  # (utunN, address)
    vpn_routes: tuple[tuple[str, str, str], ...] = ()  # (destination, gateway, flags) via vpn_if
    drop_bridge_route: bool = False  # the VPN replaced the subnet's route
    collision: bool = False  # en0's LAN is the vmnet subnet
    pf_extra: tuple[str, ...] = ()
    procs_extra: tuple[tuple[int, str, str | None], ...] = ()
    dns: dict = field(default_factory=lambda: {"answers": ["74.125.193.94"], "error": None, "rcode": "NOERROR"})
    ping_user: str = "ok"  # ok | noroute | timeout
    log: str | None = None  # multipassd.log's end; None: a clean log (clean_log)
    no_root: bool = False
    timeouts: tuple[str, ...] = ()
    garbled: dict[str, str] = field(default_factory=dict)
    list_error: str | None = None  # `multipass list` fails with these words (exit 2)
    # bridged networking and zones (issue 11); None: the recording holds no such probe
    bridged: str | None = None  # `local.bridged-network` ("" prints `<empty>`)
    networks: tuple[tuple[str, str, str], ...] = (
        ("bridge0", "bridge", "Network bridge with en1, en2"), ("en0", "wifi", "Wi-Fi"),
        ("en1", "thunderbolt", "Thunderbolt 1"), ("en2", "thunderbolt", "Thunderbolt 2"))
    bridged_instances: tuple[str, ...] = ()  # `local.<i>.bridged` is true (asked for the first instance)
    info: bool = False  # the recording holds `multipass info`
    zones: tuple[tuple[str, bool, str], ...] | str | None = None  # (name, available, subnet); "unknown": before main

    @property
    def gateway(self) -> str:
        return f"{self.net}.1"

    @property
    def major(self) -> int:
        return int(self.macos.split(".")[0])

    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(x) for x in re.match(r"(\d+)\.(\d+)\.(\d+)", self.multipass).groups())


# --- renderers ------------------------------------------------------------------------


def j4(obj) -> str:
    """Multipass 1.16's JSON: alphabetical keys, 4-space indent, trailing newline."""
    return json.dumps(obj, indent=4, sort_keys=True) + "\n"


def multipass_version(m: Mac) -> str:
    return j4({"multipass": m.multipass, **({"multipassd": m.multipass} if m.daemon else {})})


def multipass_list(m: Mac) -> str:
    items = []
    for i in m.instances:
        ipv4 = list(i.ipv4) if i.state == "Running" else []
        if i.state == "Running" and not ipv4:
            ipv4 = ["N/A"]
        items.append({"ipv4": ipv4, "name": i.name, "release": i.release, "state": i.state})
    # 1.16 prints an empty array as "[", newline, the key's indent, "]"
    return re.sub(r"\[\]", "[\n            ]", j4({"list": items}))


def sw_vers(m: Mac) -> str:
    return f"ProductName:\t\tmacOS\nProductVersion:\t\t{m.macos}\nBuildVersion:\t\t{MACOS[m.macos]}\n"


def _iface_bridge(name: str, net: str, member: str, port: int, mac: str, scope: int) -> str:
    return (f"{name}: flags=8a63<UP,BROADCAST,SMART,RUNNING,ALLMULTI,SIMPLEX,MULTICAST> mtu 1500\n"
            "\toptions=3<RXCSUM,TXCSUM>\n"
            f"\tether {mac}\n"
            f"\tinet {net}.1 netmask 0xffffff00 broadcast {net}.255\n"
            f"\tinet6 fe80::3c06:30ff:fe20:{5464 + scope}%{name} prefixlen 64 scopeid 0x{scope:x} \n"
            "\tConfiguration:\n"
            "\t\tid 0:0:0:0:0:0 priority 0 hellotime 0 fwddelay 0\n"
            "\t\tmaxage 0 holdcnt 0 proto stp maxaddr 100 timeout 1200\n"
            "\t\troot id 0:0:0:0:0:0 priority 0 ifcost 0 port 0\n"
            "\t\tipfilter disabled flags 0x0\n"
            f"\tmember: {member} flags=3<LEARNING,DISCOVER>\n"
            f"\t        ifmaxaddr 0 port {port} priority 0 path cost 0\n"
            "\tnd6 options=201<PERFORMNUD,DAD>\n"
            "\tmedia: autoselect\n"
            "\tstatus: active\n")


def _vmenet(name: str, mac: str) -> str:
    return (f"{name}: flags=8963<UP,BROADCAST,SMART,RUNNING,PROMISC,SIMPLEX,MULTICAST> mtu 1500\n"
            f"\tether {mac}\n\tmedia: autoselect\n\tstatus: active\n")


def ifconfig(m: Mac) -> str:
    lan_ip = f"{m.net}.23" if m.collision else f"{m.lan}.52"
    out = [
        "lo0: flags=8049<UP,LOOPBACK,RUNNING,MULTICAST> mtu 16384\n"
        "\toptions=1203<RXCSUM,TXCSUM,TXSTATUS,SW_TIMESTAMP>\n"
        "\tinet 127.0.0.1 netmask 0xff000000\n"
        "\tinet6 ::1 prefixlen 128 \n"
        "\tinet6 fe80::1%lo0 prefixlen 64 scopeid 0x1 \n"
        "\tnd6 options=201<PERFORMNUD,DAD>\n",
        "gif0: flags=8010<POINTOPOINT,MULTICAST> mtu 1280\n",
        "stf0: flags=0<> mtu 1280\n",
        "anpi0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=400<CHANNEL_IO>\n\tether 5a:2e:1f:84:0c:6b\n"
        "\tinet6 fe80::582e:1fff:fe84:c6b%anpi0 prefixlen 64 scopeid 0x4 \n"
        "\tnd6 options=201<PERFORMNUD,DAD>\n\tmedia: none\n\tstatus: inactive\n",
        "en1: flags=8963<UP,BROADCAST,SMART,RUNNING,PROMISC,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=460<TSO4,TSO6,CHANNEL_IO>\n\tether 36:9f:27:4c:88:40\n"
        "\tmedia: autoselect <full-duplex>\n\tstatus: inactive\n",
        "en2: flags=8963<UP,BROADCAST,SMART,RUNNING,PROMISC,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=460<TSO4,TSO6,CHANNEL_IO>\n\tether 36:9f:27:4c:88:44\n"
        "\tmedia: autoselect <full-duplex>\n\tstatus: inactive\n",
        "en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=6460<TSO4,TSO6,CHANNEL_IO,PARTIAL_CSUM,ZEROINVERT_CSUM>\n"
        "\tether 3c:22:fb:0a:11:7e\n"
        "\tinet6 fe80::1c8d:6a1f:2e4b:9a10%en0 prefixlen 64 secured scopeid 0xb \n"
        f"\tinet {lan_ip} netmask 0xffffff00 broadcast {lan_ip.rsplit('.', 1)[0]}.255\n"
        "\tnd6 options=201<PERFORMNUD,DAD>\n\tmedia: autoselect\n\tstatus: active\n",
        "bridge0: flags=8822<BROADCAST,SMART,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=63<RXCSUM,TXCSUM,TSO4,TSO6>\n\tether 36:9f:27:4c:88:40\n"
        "\tConfiguration:\n"
        "\t\tid 0:0:0:0:0:0 priority 0 hellotime 0 fwddelay 0\n"
        "\t\tmaxage 0 holdcnt 0 proto stp maxaddr 100 timeout 1200\n"
        "\t\troot id 0:0:0:0:0:0 priority 0 ifcost 0 port 0\n"
        "\t\tipfilter disabled flags 0x0\n"
        "\tmember: en1 flags=3<LEARNING,DISCOVER>\n"
        "\t        ifmaxaddr 0 port 9 priority 0 path cost 0\n"
        "\tmember: en2 flags=3<LEARNING,DISCOVER>\n"
        "\t        ifmaxaddr 0 port 10 priority 0 path cost 0\n"
        "\tnd6 options=201<PERFORMNUD,DAD>\n\tmedia: <unknown type>\n\tstatus: inactive\n",
        "awdl0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=6460<TSO4,TSO6,CHANNEL_IO,PARTIAL_CSUM,ZEROINVERT_CSUM>\n\tether 62:9a:c1:5e:7d:02\n"
        "\tinet6 fe80::609a:c1ff:fe5e:7d02%awdl0 prefixlen 64 scopeid 0xd \n"
        "\tnd6 options=201<PERFORMNUD,DAD>\n\tmedia: autoselect\n\tstatus: active\n",
        "llw0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
        "\toptions=400<CHANNEL_IO>\n\tether 62:9a:c1:5e:7d:02\n"
        "\tinet6 fe80::609a:c1ff:fe5e:7d02%llw0 prefixlen 64 scopeid 0xe \n"
        "\tnd6 options=201<PERFORMNUD,DAD>\n\tmedia: autoselect\n\tstatus: inactive\n",
    ]
    for n, mtu in ((0, 1500), (1, 1380), (2, 2000), (3, 1000)):
        out.append(f"utun{n}: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu {mtu}\n"
                   f"\tinet6 fe80::8e2c:5d3:6e4e:{0x1a2b + n:x}%utun{n} prefixlen 64 scopeid 0x{0xf + n:x} \n"
                   "\tnd6 options=201<PERFORMNUD,DAD>\n")
    if m.vpn_if:
        name, addr = m.vpn_if
        out.append(f"{name}: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1390\n"
                   f"\tinet {addr} --> {addr} netmask 0xffffc000\n"
                   f"\tinet6 fe80::ce81:bff:fe1c:4f2a%{name} prefixlen 64 scopeid 0x17 \n"
                   "\tnd6 options=201<PERFORMNUD,DAD>\n")
    k = 0
    for name, net in m.other_bridges:
        out.append(_vmenet(f"vmenet{k}", "9e:8b:2c:41:77:c1"))
        out.append(_iface_bridge(name, net, f"vmenet{k}", 18, "3e:06:30:20:54:63", 0x14))
        k += 1
    if m.bridge:
        out.append(_vmenet(f"vmenet{k}", "9e:8b:2c:41:77:d3"))
        out.append(_iface_bridge(m.bridge, m.net, f"vmenet{k}", 20, "3e:06:30:20:54:64", 0x15 + k))
    return "".join(out)


def _route(dest: str, gw: str, flags: str, netif: str, expire: str = "") -> str:
    return f"{dest:<19}{gw:<19}{flags:<20}{netif:>9} {expire:>6}".rstrip() + "\n"


def netstat_routes(m: Mac) -> str:
    lan = m.net if m.collision else m.lan
    rows = [_route("default", f"{lan}.1", "UGScg", "en0")]
    if m.bridge:
        rows.append(_route("default", "link#24", "UCSIg", m.bridge, "!"))
    vpn = m.vpn_if[0] if m.vpn_if else None
    rows += [_route(d, g, f, vpn) for d, g, f in m.vpn_routes if d in ("0/1",)]
    rows += [
        _route("127", "127.0.0.1", "UCS", "lo0"),
        _route("127.0.0.1", "127.0.0.1", "UH", "lo0"),
    ]
    rows += [_route(d, g, f, vpn) for d, g, f in m.vpn_routes if d not in ("0/1", "128.0/1")]
    rows += [_route(d, g, f, vpn) for d, g, f in m.vpn_routes if d == "128.0/1"]
    rows += [
        _route("169.254", "link#11", "UCS", "en0", "!"),
        _route(lan, "link#11", "UCS", "en0", "!"),
        _route(f"{lan}.1/32", "link#11", "UCS", "en0", "!"),
        _route(f"{lan}.1", "dc:15:c8:ef:b8:1d", "UHLWIir", "en0", "1197"),
        _route(f"{lan}.{23 if m.collision else 52}/32", "link#11", "UCS", "en0", "!"),
    ]
    for name, net in m.other_bridges:
        rows.append(_route(net, "link#23", "UC", name, "!"))
        rows.append(_route(f"{net}.1", "3e.6.30.20.54.63", "UHLWI", "lo0"))
    if m.bridge:
        if m.collision:
            rows.append(_route(m.net, "link#24", "UCSI", m.bridge, "!"))
        elif not m.drop_bridge_route:
            rows.append(_route(m.net, "link#24", "UC", m.bridge, "!"))
        rows.append(_route(f"{m.net}.1", "3e.6.30.20.54.64", "UHLWI", "lo0"))
        for i in m.instances:
            if i.state == "Running" and i.ipv4:
                rows.append(_route(i.ipv4[0], "52.54.0.25.fa.8a", "UHLWIi", m.bridge, "1088"))
        rows.append(_route(f"{m.net}.255", "ff.ff.ff.ff.ff.ff", "UHLWbI", m.bridge, "!"))
    rows += [
        _route("224.0.0/4", "link#11", "UmCS", "en0", "!"),
        _route("224.0.0.251", "1:0:5e:0:0:fb", "UHmLWI", "en0"),
        _route("255.255.255.255/32", "link#11", "UCS", "en0", "!"),
    ]
    head = ("Routing tables\n\nInternet:\n"
            + f"{'Destination':<19}{'Gateway':<19}{'Flags':<20}{'Netif':>9} Expire\n")
    v6 = ("\nInternet6:\n"
          + f"{'Destination':<39}{'Gateway':<39}{'Flags':<12}{'Netif':>7} Expire\n"
          + f"{'default':<39}{'fe80::%utun0':<39}{'UGcIg':<12}{'utun0':>7}\n"
          + f"{'::1':<39}{'::1':<39}{'UHL':<12}{'lo0':>7}\n")
    return head + "".join(rows) + v6


def arp_table(m: Mac) -> str:
    lan = m.net if m.collision else m.lan
    rows = [f"? ({lan}.1) at dc:15:c8:ef:b8:1d on en0 ifscope [ethernet]",
            f"? ({lan}.255) at ff:ff:ff:ff:ff:ff on en0 ifscope [ethernet]"]
    if m.bridge:
        rows.append(f"? ({m.net}.1) at 3e:6:30:20:54:64 on {m.bridge} ifscope permanent [bridge]")
        for i in m.instances:
            if i.state == "Running" and i.ipv4:
                rows.append(f"? ({i.ipv4[0]}) at 52:54:0:25:fa:8a on {m.bridge} ifscope [bridge]")
    rows.append("? (224.0.0.251) at 1:0:5e:0:0:fb on en0 ifscope permanent [ethernet]")
    return "\n".join(rows) + "\n"


LSOF_HEAD = "COMMAND   PID           USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\n"


def _lsof(rows) -> str:
    return LSOF_HEAD + "".join(
        f"{c:<9} {pid:>5} {user:>14} {fd:>4}  {t:<4} {dev:>18} {'0t0':>8}  {proto} {name}\n"
        for c, pid, user, fd, t, dev, proto, name in rows)


UDP67 = (("launchd", 1, "root", "46u", "IPv4", "0x9b76825c118326e7", "UDP", "*:67"),
         ("launchd", 1, "root", "48u", "IPv4", "0x9b76825c118326e7", "UDP", "*:67"),
         ("bootpd", 11431, "root", "0u", "IPv4", "0x9b76825c118326e7", "UDP", "*:67"),
         ("bootpd", 11431, "root", "1u", "IPv4", "0x9b76825c118326e7", "UDP", "*:67"))
MDNS53 = (("mDNSRespo", 255, "_mdnsresponder", "15u", "IPv4", "0x6f24b4ee75698a55", "UDP", "*:53"),
          ("mDNSRespo", 255, "_mdnsresponder", "16u", "IPv6", "0x6f24b4ee75698d65", "UDP", "*:53"),
          ("mDNSRespo", 255, "_mdnsresponder", "17u", "IPv4", "0x6f24b4f80dcf1bd5", "TCP", "*:53 (LISTEN)"),
          ("mDNSRespo", 255, "_mdnsresponder", "18u", "IPv6", "0x6f24b4e9a8733075", "TCP", "*:53 (LISTEN)"))


def leases(m: Mac) -> str:
    blocks = []
    granted = RECORDED - dt.timedelta(minutes=20)
    for n, (name, ip) in enumerate(m.leases):
        expiry = int((granted - dt.timedelta(days=40 * n)).timestamp()) + 86400
        if m.major >= 15:
            hw = "ff,f1:f5:dd:7f:0:2:0:0:ab:11:5b:8a:5e:6d:88:7b:9:a%x" % n
        else:
            hw = "1,52:54:0:25:fa:%x" % (0x8a + n)
        blocks.append(f"{{\n\tname={name}\n\tip_address={ip}\n\thw_address={hw}\n\tidentifier={hw}\n"
                      f"\tlease=0x{expiry:x}\n}}\n")
    return "".join(blocks)


BASE_PROCS = (
    (1, "launchd", None), (255, "mDNSResponder", None), (311, "mDNSResponderHelper", None),
    (402, "multipassd", None), (11431, "bootpd", None),
    (1204, "Finder", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder"),
    (1388, "Terminal", "/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal"),
    (2210, "zsh", "/bin/zsh"),
    (4821, "qemu-system-aarch64", None),
    (5120, "multipass.gui", "/Applications/Multipass.app/Contents/MacOS/multipass.gui"),
    (6001, "python3.12", "/opt/homebrew/Cellar/python@3.12/3.12.7/Frameworks/Python.framework/Versions/3.12/"
                          "Resources/Python.app/Contents/MacOS/Python"),
)


def processes(m: Mac) -> str:
    procs = sorted(BASE_PROCS + m.procs_extra)
    return json.dumps([{"exe": exe, "name": name, "pid": pid} for pid, name, exe in procs], sort_keys=True)


def clean_log(m: Mac) -> str:
    """The end of a multipassd.log without any known failure: the daemon starts, the first
    instance boots (QEMU's NIC_RX_FILTER_CHANGED: the guest NIC came up) and SSH comes up."""
    name = m.instances[0].name if m.instances else "primary"
    program = {"qemu": "qemu-system-aarch64", "hyperkit": "hyperkit"}.get(m.driver, "VBoxManage")
    lines = [
        f"[2026-11-20T09:12:40.218] [info] [daemon] Starting Multipass {m.multipass}",
        "[2026-11-20T09:12:40.219] [info] [daemon] Daemon arguments: /Library/Application Support/"
        "com.canonical.multipass/bin/multipassd --verbosity debug",
    ]
    if m.driver != "applevz":  # AppleVZ runs the VM inside multipassd (Virtualization.framework): no process
        lines += [f"[2026-11-20T09:12:44.873] [info] [{name}] process program '{program}'",
                  f"[2026-11-20T09:12:44.901] [info] [{name}] process state changed to Starting",
                  f"[2026-11-20T09:12:44.917] [info] [{name}] process state changed to Running"]
    if m.driver == "qemu":
        lines.append('[2026-11-20T09:13:02.344] [debug] [qemu-system-aarch64] [4821] QMP: {"timestamp": '
                     '{"seconds": 1795165982, "microseconds": 344012}, "event": "NIC_RX_FILTER_CHANGED", '
                     '"data": {"path": "/machine/unattached/device[10]/virtio-backend"}}')
    lines.append(f"[2026-11-20T09:13:11.090] [debug] [{name}] Connected to SSH on port 22")
    return "\n".join(lines) + "\n"


def ping(ip: str, how: str) -> tuple[str, dict | None]:
    head = f"PING {ip} ({ip}): 56 data bytes\n"
    if how == "ok":
        return (head + f"64 bytes from {ip}: icmp_seq=0 ttl=64 time=0.512 ms\n\n--- {ip} ping statistics ---\n"
                "1 packets transmitted, 1 packets received, 0.0% packet loss\n"
                "round-trip min/avg/max/stddev = 0.512/0.512/0.512/0.000 ms\n", None)
    tail = f"\n--- {ip} ping statistics ---\n1 packets transmitted, 0 packets received, 100.0% packet loss\n"
    if how == "noroute":
        return head + tail, {"rc": 2, "stderr": "ping: sendto: No route to host"}
    return head + "Request timeout for icmp_seq 0\n" + tail, {"rc": 2, "stderr": ""}


def networks_json(m: Mac) -> str:
    return j4({"list": [{"description": d, "name": n, "type": t} for n, t, d in m.networks]})


def info_json(m: Mac) -> str:
    """`multipass info --format json` as 1.16 prints it (the fields the checks read and their neighbours)."""
    info = {}
    for i in m.instances:
        running = i.state == "Running"
        info[i.name] = {"cpu_count": "1" if running else "", "disks": {"sda1": {}}, "image_hash":
                        "dced94c031cc1f23dee14419a3723a5b110df9938de0ac31913a2bfd07c755b4", "image_release":
                        "24.04 LTS", "ipv4": list(i.ipv4) if running else [], "load": [], "memory": {},
                        "mounts": {}, "release": "Ubuntu 24.04.1 LTS" if running else "", "snapshot_count": "0",
                        "state": i.state}
    return j4({"errors": [], "info": info})


def zones_json(m: Mac) -> str:
    """main's `zones --format json` (derived from the code: no upstream fixture; HEAD key order)."""
    return json.dumps({n: {"available": a, "subnet": s} for n, a, s in m.zones}, indent=4) + "\n"


UNKNOWN_ZONES = "Error: Unknown command or alias 'zones' (try \"multipass help\" or \"multipass aliases\")\n"


# --- which probes a recording of this Mac holds ---------------------------------------


def probes(m: Mac) -> dict[str, tuple[str, dict | None]]:
    """probe name -> (stdout, meta or None): what the checks would have run on it."""
    p: dict[str, tuple[str, dict | None]] = {
        "multipass_version": (multipass_version(m), None),
        "processes": (processes(m), None),
        "sw_vers": (sw_vers(m), None),
        # read by macos.logs.known_errors whatever the driver (sudo -n: refused without root)
        "multipassd_log": (m.log if m.log is not None else clean_log(m), None),
    }
    if m.daemon:
        p["multipass_driver"] = (m.driver + "\n", None)
        if m.driver not in VMNET_FAMILY:
            return p
        p["multipass_list"] = ((multipass_list(m), None) if m.list_error is None
                               else ("", {"rc": 2, "stderr": m.list_error + "\n"}))
    if m.bridged is not None:
        p["multipass_bridged_network"] = ((m.bridged or "<empty>") + "\n", None)
        p["multipass_networks"] = (networks_json(m), None)
        if m.instances:
            name = m.instances[0].name
            p["multipass_instance_bridged"] = (("true" if name in m.bridged_instances else "false") + "\n", None)
    if m.info:
        p["multipass_info"] = (info_json(m), None)
    if m.zones == "unknown":
        p["multipass_zones"] = (UNKNOWN_ZONES, {"rc": 1, "stderr": ""})
    elif m.zones is not None:
        p["multipass_zones"] = (zones_json(m), None)
    p["ifconfig"] = (ifconfig(m), None)
    p["netstat_routes"] = (netstat_routes(m), None)
    p["arp_table"] = (arp_table(m), None)
    p["firewall_global"] = (m.firewall + "\n", None)
    p["firewall_blockall"] = (m.blockall + "\n", None)
    p["firewall_bootpd"] = (m.bootpd_rule + "\n", None)
    if m.plist is None:
        p["vmnet_plist"] = ("", {"rc": 1, "stderr": "2026-11-20 10:00:02.114 defaults[8812:99341] \nDomain "
                                 "/Library/Preferences/SystemConfiguration/com.apple.vmnet.plist does not exist"})
    else:
        p["vmnet_plist"] = (f'{{\n    "Shared_Net_Address" = "{m.plist}";\n    "Shared_Net_Mask" = "255.255.255.0";\n}}\n',
                            None)
    if m.leases_file:
        p["dhcpd_leases"] = (leases(m), None)
    else:
        p["dhcpd_leases"] = ("", {"rc": 1, "stderr": "cat: /var/db/dhcpd_leases: No such file or directory"})
    udp67 = UDP67 if m.udp67 is None else m.udp67
    p["lsof_udp67"] = (_lsof(udp67) if udp67 else "", None if udp67 else {"rc": 1, "stderr": ""})
    rows53 = (MDNS53 if m.port53_mdns else ()) + m.port53_extra
    p["lsof_port53"] = (_lsof(rows53) if rows53 else "", None if rows53 else {"rc": 1, "stderr": ""})
    p["pf_nat"] = ('nat-anchor "com.apple/*" all\n' + "".join(r + "\n" for r in m.pf_extra)
                   + 'rdr-anchor "com.apple/*" all\n', {"rc": 0, "stderr": ALTQ})
    running = [i for i in m.instances if i.state == "Running" and i.ipv4] if m.daemon else []
    if m.bridge:
        p["dns_gateway"] = (json.dumps({"server": m.gateway, "name": "google.ie", **m.dns}, sort_keys=True), None)
    if running and m.major >= 15:
        ip = running[0].ipv4[0]
        p["ping_instance_user"] = ping(ip, m.ping_user)
        if m.ping_user == "noroute":
            p["ping_instance_root"] = ping(ip, "ok")
    if m.no_root:
        for name in ("lsof_udp67", "lsof_port53", "pf_nat", "multipassd_log"):
            p[name] = ("", {"rc": 1, "stderr": SUDO_REFUSED})
    for name in m.timeouts:
        p[name] = ("", {"rc": -9, "stderr": "", "timed_out": True})
    for name, text in m.garbled.items():
        p[name] = (text, None)
    return p
