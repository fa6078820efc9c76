"""The lab's `multipass` stand-in (run as lab/bin/multipass): speaks Multipass 1.16.3's CLI formats.

It reads the lab's state ($LAB_STATE, default /run/mp-lab) and maps instances
to network namespaces: `exec NAME -- cmd` runs cmd in mp-i-NAME, `list`/`info`
read the instances' live addresses, `launch`/`delete` create and remove
namespaces on the bridge with real DHCP. Stdlib only (it reuses the lab
package next to it, which is stdlib only too).

Env: MPLAB_DAEMON_DOWN=1 (daemon unreachable), MPLAB_DRIVER (local.driver,
default qemu), MPLAB_IP_WAIT (seconds exec/shell/info wait for an IPv4,
default 2), MPLAB_VERSION (default 1.16.3; a 1.17 version is main, with `zones`),
MPLAB_EXEC_RETRIES (runs of a command exiting 4 before giving up, default 3).

Bridged networking (linux layout, lab/lan.py): `networks` lists mp-host's bridges and its
"physical" NICs (eth1 on the LAN, wan0), `get`/`set` read and write `local.bridged-network`
(not validated when set, as in 1.16) and `local.<i>.bridged`, `launch --network/--bridged`
gives the instance a second NIC on the LAN, `zones` (main only) reads the zone files.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from lab import lan  # (the rest of the lab loads in the commands that change it)
from lab.netns import LabError
from lab.state import InstanceState, LabState, load_state, locked

VERSION = os.environ.get("MPLAB_VERSION", "1.16.3")
SOCKET = "/var/snap/multipass/common/multipass_socket"
RELEASE = "Ubuntu 24.04 LTS"
PRETTY_RELEASE = "Ubuntu 24.04.1 LTS"
IMAGE_RELEASE = "24.04 LTS"
IMAGE_HASH = "dced94c031cc1f23dee14419a3723a5b110df9938de0ac31913a2bfd07c755b4"
DISK = {"total": "5120138752", "used": "2402924032"}
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ADJECTIVES = ["agile", "brave", "calm", "dapper", "eager", "fluent", "gentle", "hardy", "jolly", "keen",
              "lively", "merry", "nimble", "plucky", "quick", "rich", "sturdy", "tidy", "upbeat", "witty"]
ANIMALS = ["aardvark", "beagle", "cheetah", "dingo", "egret", "ferret", "gecko", "heron", "ibex", "jackal",
           "koala", "lemur", "marmot", "narwhal", "ocelot", "puffin", "quokka", "robin", "tapir", "zorilla"]


def version_tuple(text: str) -> tuple[int, ...] | None:
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(x) for x in m.groups()) if m else None


class Fail(Exception):
    """A Multipass-side failure: `<cmd> failed: <what>` on stderr, exit code."""

    def __init__(self, what: str, code: int = 2):
        super().__init__(what)
        self.what, self.code = what, code


# ---- mp::pretty_print (Qt QJsonDocument::Indented, 1.16: alphabetical keys) -------------------------

def pretty(v, level: int = 0) -> str:
    pad, end = "    " * (level + 1), "    " * level
    if isinstance(v, dict):
        if not v:
            return "{\n" + end + "}"
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {pretty(v[k], level + 1)}" for k in sorted(v)]
        return "{\n" + ",\n".join(items) + "\n" + end + "}"
    if isinstance(v, (list, tuple)):
        if not v:
            return "[\n" + end + "]"
        return "[\n" + ",\n".join(pad + pretty(x, level + 1) for x in v) + "\n" + end + "]"
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 2 ** 53 else repr(v)
    return json.dumps(v, ensure_ascii=False)


def print_json(obj) -> None:
    sys.stdout.write(pretty(obj) + "\n")


# ---- lab access ---------------------------------------------------------------------------

def daemon_check(cmd: str) -> LabState:
    """The lab state, or the daemon-unreachable failure (also when the lab is down)."""
    st = None if os.environ.get("MPLAB_DAEMON_DOWN") == "1" else load_state()
    if st is None:
        if cmd == "get":  # settings path: one line only (client.cpp RemoteHandlerException)
            raise Fail("cannot connect to the multipass socket")
        raise Fail(f"cannot connect to the multipass socket\n"
                   f"Please ensure multipassd is running and '{SOCKET}' is accessible")
    return st


def missing(names: list[str]) -> Fail:
    return Fail("The following errors occurred:\n" + "\n".join(f'instance "{n}" does not exist' for n in names))


def ns_addrs(ns: str) -> list[str]:
    """Global-scope IPv4 addresses inside namespace ns, all interfaces, in kernel order."""
    cp = subprocess.run(["ip", "-n", ns, "-j", "-4", "addr", "show", "scope", "global"],
                        capture_output=True, text=True)
    out = []
    for link in json.loads(cp.stdout or "[]"):
        out += [a["local"] for a in link.get("addr_info", []) if a.get("local")]
    return out


_CACHED: dict | None = None


def cached_ips() -> dict:
    """The addresses the daemon keeps reporting (lab/lan.py's stale cache), read once per command."""
    global _CACHED
    if _CACHED is None:
        st = load_state()
        _CACHED = lan.cached_ips(st) if st else {}
    return _CACHED


def management_ip(st: LabState, inst: InstanceState) -> str | None:
    """The address the daemon uses for SSH: its cached one if it kept one, else the live DHCP one."""
    cached = cached_ips().get(inst.name)
    if cached:
        return cached
    return inst.ip if inst.ip and inst.ip in ns_addrs(inst.netns) else None


def running(inst: InstanceState) -> bool:
    return inst.state == "Running"


def ipv4_of(inst: InstanceState, placeholder: bool = True) -> list[str]:
    """Management (DHCP) IP first, then extras; ["N/A"] when Running without any (1.16)."""
    if not running(inst):
        return []
    addrs = ns_addrs(inst.netns)
    cached = cached_ips().get(inst.name)
    if cached:  # the daemon's cached address stays first (#3772, #5075); the guest's own follow (#3354)
        return [cached] + [a for a in addrs if a != cached]
    if not (inst.ip and inst.ip in addrs):  # the other addresses are learnt over SSH to this one
        return ["N/A"] if placeholder else []
    return [inst.ip] + [a for a in addrs if a != inst.ip]


def sorted_for_table(insts: list[InstanceState]) -> list[InstanceState]:
    return sorted(insts, key=lambda i: (i.name != "primary", i.name))


def ssh_target(cmd: str, name: str) -> tuple[LabState, InstanceState, str]:
    """What the daemon's ssh_info + the client's SSH connect would need: an IP the host can reach."""
    st = daemon_check(cmd)
    if name not in st.instances:
        raise missing([name])
    inst = st.instances[name]
    if inst.state == "Deleted":
        raise Fail(f'The following errors occurred:\ninstance "{name}" is deleted')
    if inst.state == "Unknown":
        raise Fail("Cannot retrieve credentials in unknown state")
    wait = float(os.environ.get("MPLAB_IP_WAIT", "2"))
    end = time.monotonic() + wait
    while True:
        ip = management_ip(st, inst)
        if ip or time.monotonic() >= end:
            break
        time.sleep(0.2)
        st = load_state() or st
        inst = st.instances.get(name, inst)
    if not ip:
        raise Fail("Could not determine IP address within 120000ms")
    ping = subprocess.run(["ip", "netns", "exec", st.host_ns, "ping", "-n", "-q", "-c1", "-W1", ip],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if ping.returncode != 0:
        raise Fail("ssh connection failed: 'Failed to connect: No route to host'")
    return st, inst, ip


def guest_env(name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": CLEAN_PATH, "HOME": "/root", "USER": "ubuntu", "LOGNAME": "ubuntu", "SHELL": "/bin/bash",
           "LANG": "C.UTF-8", "HOSTNAME": name}
    if "TERM" in os.environ:
        env["TERM"] = os.environ["TERM"]
    return {**env, **(extra or {})}


def in_guest(inst: InstanceState, argv: list[str]) -> list[str]:
    """argv run in the instance's netns, with its own UTS namespace so `hostname` says NAME."""
    return ["ip", "netns", "exec", inst.netns, "unshare", "--uts", "--", "sh", "-c",
            'hostname "$0" 2>/dev/null; exec "$@"', inst.name, *argv]


# ---- option parsing -------------------------------------------------------------------------

def take_opts(args: list[str], with_value: set[str], flags: set[str]) -> tuple[dict[str, str | bool], list[str]]:
    """Qt-like: options anywhere before `--`; `--opt=v` or `--opt v`; returns (opts, positionals)."""
    opts: dict[str, str | bool] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            pos.append("--")
            pos += args[i + 1:]
            break
        key, _, val = a.partition("=")
        if key in with_value:
            if not val:
                i += 1
                if i >= len(args):
                    raise Fail(f"Missing value after '{key}'.", 1)
                val = args[i]
            opts[key] = val
        elif a in flags:
            opts[a] = True
        elif a.startswith("-") and len(a) > 1 and not re.fullmatch(r"-v+", a) and a != "--verbose":
            raise Fail(f"Unknown option '{a.lstrip('-')}'.", 1)
        elif not a.startswith("-"):
            pos.append(a)
        i += 1
    return opts, pos


def fmt_of(opts: dict) -> str:
    f = str(opts.get("--format", "table"))
    if f not in ("json", "csv", "table", "yaml"):
        raise Fail("Invalid format type given.", 1)
    return f


# ---- commands -----------------------------------------------------------------------------------

def cmd_version(args: list[str]) -> int:
    opts, _ = take_opts(args, {"--format"}, set())
    fmt = fmt_of(opts)
    up = os.environ.get("MPLAB_DAEMON_DOWN") != "1" and load_state() is not None
    reply = {"multipass": VERSION, **({"multipassd": VERSION} if up else {})}
    if fmt == "json":
        print_json(reply)
    elif fmt == "csv":
        sys.stdout.write(f"Multipass,Multipassd,Title,Description,URL\n{VERSION},{reply.get('multipassd', '')},,,\n")
    elif fmt == "yaml":
        sys.stdout.write("".join(f"{k}: {v}\n" for k, v in reply.items()))
    else:
        sys.stdout.write("".join(f"{k:<12}{v}\n" for k, v in reply.items()))
    return 0


def cmd_list(args: list[str]) -> int:
    opts, _ = take_opts(args, {"--format"}, {"--no-ipv4"})
    fmt = fmt_of(opts)
    st = daemon_check("list")
    insts = list(st.instances.values())
    rows = [(i, [] if opts.get("--no-ipv4") else ipv4_of(i)) for i in insts]
    if fmt == "json":
        print_json({"list": [{"ipv4": ips, "name": i.name, "release": RELEASE, "state": i.state}
                             for i, ips in rows]})
    elif fmt == "csv":
        out = ["Name,State,IPv4,IPv6,Release,AllIPv4"]
        for i, ips in sorted(rows, key=lambda r: (r[0].name != "primary", r[0].name)):
            out.append(f'{i.name},{i.state},{ips[0] if ips else ""},,{RELEASE},"{",".join(ips)}"')
        sys.stdout.write("\n".join(out) + "\n")
    elif fmt == "yaml":
        out = []
        for i, ips in rows:
            out += [f"{i.name}:", f"  - state: {i.state}", "    ipv4:", *[f"      - {a}" for a in ips],
                    f"    release: {RELEASE}"]
        sys.stdout.write("\n".join(out) + "\n" if out else "{}\n")
    else:
        if not rows:
            sys.stdout.write("No instances found.\n")
            return 0
        w = max(24, max(len(i.name) for i, _ in rows) + 3)
        out = [f"{'Name':<{w}}{'State':<18}{'IPv4':<17}Image"]
        for i, ips in sorted(rows, key=lambda r: (r[0].name != "primary", r[0].name)):
            out.append(f"{i.name:<{w}}{i.state:<18}{(ips[0] if ips else '--'):<17}{RELEASE}")
            out += [f"{'':<{w + 18}}{a}" for a in ips[1:]]
        sys.stdout.write("\n".join(out) + "\n")
    return 0


def runtime_info(inst: InstanceState, runtime: bool) -> dict:
    if not running(inst) or not runtime:
        return {"cpu_count": "", "disks": {"sda1": {}}, "image_hash": IMAGE_HASH, "image_release": IMAGE_RELEASE,
                "ipv4": [], "load": [], "memory": {}, "mounts": {}, "release": "", "snapshot_count": "0",
                "state": inst.state}
    load = [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    mem = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in Path("/proc/meminfo").read_text().splitlines()}
    return {"cpu_count": str(os.cpu_count() or 1), "disks": {"sda1": dict(DISK)}, "image_hash": IMAGE_HASH,
            "image_release": IMAGE_RELEASE, "ipv4": ipv4_of(inst, placeholder=False), "load": load,
            "memory": {"total": mem["MemTotal"], "used": mem["MemTotal"] - mem["MemAvailable"]},
            "mounts": {}, "release": PRETTY_RELEASE, "snapshot_count": "0", "state": inst.state}


def human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.1f}{unit}" if unit != "B" else f"{n}B"
        n /= 1024
    return str(n)


def cmd_info(args: list[str]) -> int:
    opts, names = take_opts(args, {"--format"}, {"--all", "--no-runtime-information", "--snapshots"})
    fmt = fmt_of(opts)
    if opts.get("--all"):
        sys.stderr.write("Warning: the `--all` flag for the `info` command is deprecated. Please use `info` with "
                         "no positional arguments for the same effect.\n")
    st = daemon_check("info")
    names = names or list(st.instances)
    unknown = [n for n in names if n not in st.instances]
    if unknown:
        raise missing(unknown)
    runtime = not opts.get("--no-runtime-information")
    info = {}
    for n in dict.fromkeys(names):
        inst = st.instances[n]
        if running(inst) and runtime:
            ssh_target("info", n)  # runtime info needs SSH: same failures as exec
        info[n] = runtime_info(inst, runtime)
    if fmt == "json":
        print_json({"errors": [], "info": info})
    elif fmt == "csv":
        out = ["Name,State,Ipv4,Ipv6,Release,Image hash,Image release,Load,Disk usage,Disk total,Memory usage,"
               "Memory total,Mounts,AllIPv4,CPU(s),Snapshots"]
        for n, d in info.items():
            out.append(",".join([n, d["state"], d["ipv4"][0] if d["ipv4"] else "", "", d["release"],
                                 d["image_hash"], d["image_release"], " ".join(f"{x:.2f}" for x in d["load"]),
                                 d["disks"]["sda1"].get("used", ""), d["disks"]["sda1"].get("total", ""),
                                 str(d["memory"].get("used", "")), str(d["memory"].get("total", "")), "",
                                 ";".join(d["ipv4"]), d["cpu_count"], d["snapshot_count"]]))
        sys.stdout.write("\n".join(out) + "\n")
    else:
        blocks = []
        for n, d in info.items():
            ips = d["ipv4"] or ["--"]
            lines = [("Name:", n), ("State:", d["state"]), ("Snapshots:", d["snapshot_count"]), ("IPv4:", ips[0])]
            lines += [("", a) for a in ips[1:]]
            disk = d["disks"]["sda1"]
            lines += [("Release:", d["release"] or "--"),
                      ("Image hash:", f"{d['image_hash'][:12]} (Ubuntu {d['image_release']})"),
                      ("CPU(s):", d["cpu_count"] or "--"),
                      ("Load:", " ".join(f"{x:.2f}" for x in d["load"]) or "--"),
                      ("Disk usage:", f"{human(int(disk['used']))} out of {human(int(disk['total']))}"
                       if disk else "--"),
                      ("Memory usage:", f"{human(d['memory']['used'])} out of {human(d['memory']['total'])}"
                       if d["memory"] else "--"),
                      ("Mounts:", "--")]
            blocks.append("\n".join(f"{k:<16}{v}" for k, v in lines))
        sys.stdout.write("\n\n".join(blocks) + "\n")
    return 0


INSTANCE_KEY = re.compile(r"^local\.(?P<instance>.+)\.(?P<property>cpus|disk|memory|bridged)$")


def host_networks(st: LabState) -> list[dict]:
    """Linux QEMU 1.15+'s `networks` (platform_linux.cpp): bridges ("Network bridge with <known
    members>") and ethernet NICs ("Ethernet device"). In the lab, mp-host's eth1 (on the LAN) and
    wan0 play the physical NICs; veths of instances are not offered."""
    if st.layout != "linux":
        return []
    links = json.loads(subprocess.run(["ip", "-n", st.host_ns, "-j", "link", "show"], capture_output=True,
                                      text=True).stdout or "[]")
    ether = {l["ifname"] for l in links if l["ifname"] in (lan.HOST_NIC, st.uplink)}
    out = []
    for l in links:
        name = l["ifname"]
        if l.get("linkinfo", {}).get("info_kind") == "bridge" or name in (st.bridge, lan.HOST_BRIDGE):
            members = [m["ifname"] for m in links if m.get("master") == name and m["ifname"] in ether]
            out.append({"name": name, "type": "bridge",
                        "description": f"Network bridge with {', '.join(members)}" if members else "Network bridge"})
        elif name in ether:
            out.append({"name": name, "type": "ethernet", "description": "Ethernet device"})
    return sorted(out, key=lambda n: n["name"])


def is_bridged(st: LabState, name: str) -> bool:
    """daemon.cpp is_bridged_impl: an extra NIC is the preferred network or the bridge holding it."""
    preferred = lan.settings(st).get("local.bridged-network", "")
    holder = lan.HOST_BRIDGE if preferred == lan.HOST_NIC else None
    return any(n["id"] in (preferred, holder) for n in lan.extra_nics(st).get(name, []) if preferred)


def bridged_errors(st: LabState) -> str:
    """Why `--bridged` cannot resolve (§2.1's two messages), or ''."""
    preferred = lan.settings(st).get("local.bridged-network", "")
    if not preferred:
        return 'You have to `multipass set local.bridged-network=<name>` to use the "bridged" shortcut.'
    if preferred not in [n["name"] for n in host_networks(st)]:
        return (f"Invalid network '{preferred}' set as bridged interface, use `multipass set "
                "local.bridged-network=<name>` to correct. See `multipass networks` for valid names.")
    return ""


def cmd_networks(args: list[str]) -> int:
    opts, pos = take_opts(args, {"--format"}, set())
    fmt = fmt_of(opts)
    if pos:
        raise Fail("This command takes no arguments", 1)
    st = daemon_check("networks")
    if st.layout != "linux":
        raise Fail("The networks feature is not implemented on this backend.")
    nets = host_networks(st)
    if fmt == "json":
        print_json({"list": nets})
    elif fmt == "csv":
        sys.stdout.write("Name,Type,Description\n" + "".join(f'{n["name"]},{n["type"]},"{n["description"]}"\n'
                                                            for n in nets))
    elif fmt == "yaml":
        sys.stdout.write("".join(f'{n["name"]}:\n  - type: {n["type"]}\n    description: {n["description"]}\n'
                                 for n in nets) or "\n")
    else:
        if not nets:
            sys.stdout.write("No network interfaces found.\n")
            return 0
        w1 = max(len("Name"), *(len(n["name"]) for n in nets)) + 3
        w2 = max(len("Type"), *(len(n["type"]) for n in nets)) + 3
        sys.stdout.write(f"{'Name':<{w1}}{'Type':<{w2}}Description\n" +
                         "".join(f'{n["name"]:<{w1}}{n["type"]:<{w2}}{n["description"]}\n' for n in nets))
    return 0


def cmd_zones(args: list[str]) -> int:
    opts, pos = take_opts(args, {"--format"}, set())
    fmt = fmt_of(opts)
    if pos:
        raise Fail("This command takes no arguments", 1)
    st = daemon_check("zones")
    zones = lan.zones(st)
    if fmt == "json":  # HEAD: insertion order, {"available", "subnet"} (json_formatter.cpp)
        sys.stdout.write(json.dumps({z: {"available": d["available"], "subnet": d["subnet"]}
                                     for z, d in zones.items()}, indent=4) + "\n")
    elif fmt == "csv":
        sys.stdout.write("Name,Available,Subnet\n" + "".join(
            f'{z},{"true" if d["available"] else "false"},{d["subnet"]}\n' for z, d in zones.items()))
    elif fmt == "yaml":
        sys.stdout.write("".join(f'{z}:\n  available: {"true" if d["available"] else "false"}\n  subnet: {d["subnet"]}\n'
                                 for z, d in zones.items()))
    else:
        if not zones:
            sys.stdout.write("No availabilty zones found.\n")  # sic
            return 0
        w = max(len("Name"), *(len(z) for z in zones)) + 3
        sys.stdout.write(f"{'Name':<{w}}{'State':<14}Subnet\n" + "".join(
            f'{z:<{w}}{"Available" if d["available"] else "Unavailable":<14}{d["subnet"]}\n' for z, d in zones.items()))
    return 0


def cmd_set(args: list[str]) -> int:
    _, pos = take_opts(args, set(), set())
    if len(pos) == 1 and "=" in pos[0]:
        key, _, value = pos[0].partition("=")
    elif len(pos) == 2:
        key, value = pos
    else:
        raise Fail("Need exactly one setting key and value (or key=value).", 1)
    st = daemon_check("get")
    if key == "local.bridged-network":  # a plain setting: never validated when set
        lan.set_setting(st, key, value)
        return 0
    m = INSTANCE_KEY.match(key)
    if m is None:
        raise Fail(f"Unrecognized settings key: '{key}'")
    name = m["instance"]
    if name not in st.instances:
        raise Fail(f"Cannot update instance settings; instance: {name}; reason: No such instance")
    if m["property"] == "bridged":
        if value not in ("true", "false"):
            raise Fail(f"Invalid setting '{key}={value}': needs to be a boolean")
        if value == "false":
            if is_bridged(st, name):
                raise Fail(f"Invalid setting '{key}=false': Removing the bridged network is currently not supported")
            return 0
        why = bridged_errors(st)
        if why:
            raise Fail(why)
    if st.instances[name].state != "Stopped":
        raise Fail(f"Cannot update instance settings; instance: {name}; reason: Instance must be stopped for "
                   "modification")
    raise Fail(f"Cannot update instance settings; instance: {name}; reason: not supported by the lab")


def cmd_get(args: list[str]) -> int:
    opts, pos = take_opts(args, set(), {"--raw", "--keys"})
    st = daemon_check("get")
    if len(pos) != 1:
        raise Fail("Need exactly one setting key.", 1)
    key = pos[0]
    values = {"local.driver": os.environ.get("MPLAB_DRIVER", "qemu"),
              "local.bridged-network": lan.settings(st).get("local.bridged-network", ""),
              "local.privileged-mounts": "true", "client.primary-name": "primary",
              "client.gui.autostart": "true", "local.passphrase": "false"}
    m = INSTANCE_KEY.match(key)
    if m is not None and m["property"] == "bridged":
        name = m["instance"]
        if name not in st.instances or st.instances[name].state == "Deleted":
            raise Fail(f"Cannot obtain instance settings; instance: {name}; reason: No such instance")
        if st.layout != "linux":
            raise Fail("The networks feature is not implemented on this backend.")
        values[key] = "true" if is_bridged(st, name) else "false"
    if key not in values:
        raise Fail(f"Unrecognized settings key: '{key}'")
    v = values[key]
    sys.stdout.write((v if v or opts.get("--raw") else "<empty>") + "\n")
    return 0


def cmd_exec(args: list[str]) -> int:
    opts, pos = take_opts(args, {"-d", "--working-directory"}, {"-n", "--no-map-working-directory"})
    if "--" in pos:
        k = pos.index("--")
        head, cmd = pos[:k], pos[k + 1:]
    else:
        head, cmd = pos[:1], pos[1:]
    if len(head) != 1 or not cmd:
        raise Fail("Wrong number of arguments", 1)
    if ("-d" in opts or "--working-directory" in opts) and ("-n" in opts or "--no-map-working-directory" in opts):
        raise Fail("Options --working-directory and --no-map-working-directory clash", 1)
    name = head[0]
    if not NAME_RE.match(name):
        raise missing([name])
    _, inst, _ = ssh_target("exec", name)
    workdir = str(opts.get("-d") or opts.get("--working-directory") or "/")
    argv = in_guest(inst, cmd if workdir == "/" else ["sh", "-c", 'cd "$0" && exec "$@"', workdir, *cmd])
    runs = max(1, int(os.environ.get("MPLAB_EXEC_RETRIES", "3")))
    rc = 0
    for _ in range(runs):  # 1.16: remote rc 4 == ReturnCode::Retry -> the command is re-run (#3771)
        rc = subprocess.run(argv, env=guest_env(name), cwd="/").returncode
        if rc != 4:
            break
    return 255 if rc < 0 else rc


def cmd_shell(args: list[str]) -> int:
    _, pos = take_opts(args, {"--timeout"}, set())
    name = pos[0] if pos else "primary"
    if not NAME_RE.match(name):
        raise missing([name])
    _, inst, ip = ssh_target("shell", name)
    sys.stdout.write(f"Welcome to Ubuntu 24.04.1 LTS (GNU/Linux 6.8.0-45-generic x86_64)\n\n"
                     f" * Documentation:  https://help.ubuntu.com\n"
                     f" * Management:     https://landscape.canonical.com\n"
                     f" * Support:        https://ubuntu.com/pro\n\n"
                     f"  IPv4 address for eth0: {ip}\n\n")
    sys.stdout.flush()
    subprocess.run(in_guest(inst, ["bash", "--norc", "--noprofile", "-i"]),
                   env=guest_env(name, {"PS1": f"ubuntu@{name}:~$ "}), cwd="/")
    return 0  # 1.16: always 0 after a session (#3054)


MAC_RE = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")


def net_digest(spec: str) -> dict:
    """launch.cpp net_digest: `name=x,mode=auto,mac=...` or a bare name; client errors exit 1."""
    out: dict[str, str] = {}
    for part in spec.split(","):
        if "=" not in part:
            if len(spec.split(",")) > 1 or not part:
                raise Fail(f"error: Bad network field definition: {part}", 1)
            out["name"] = part
            continue
        key, _, value = part.partition("=")
        key = key.lower()
        if key not in ("name", "mode", "mac") or not value:
            raise Fail(f"error: Bad network field: {key}", 1)
        out[key] = value
    if "name" not in out:
        raise Fail("error: Bad network definition, need at least a 'name' field", 1)
    mode = out.setdefault("mode", "auto").lower()
    if mode not in ("auto", "manual"):
        raise Fail(f"error: Bad network mode '{out['mode']}', need 'auto' or 'manual'", 1)
    out["mode"] = mode
    if "mac" in out and not MAC_RE.match(out["mac"]):
        raise Fail(f"error: Invalid MAC address: {out['mac']}", 1)
    return out


def take_networks(args: list[str]) -> tuple[list[dict], list[str]]:
    """Every `--network X` / `--network=X` (repeatable) and `--bridged`, out of the arguments."""
    nets, rest, i = [], [], 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i:]
            break
        if a == "--network" or a.startswith("--network="):
            value = a.partition("=")[2] if "=" in a else (args[i + 1] if i + 1 < len(args) else "")
            if not value:
                raise Fail("Missing value after '--network'.", 1)
            nets.append(net_digest(value))
            i += 1 if "=" in a else 2
            continue
        if a == "--bridged":
            nets.append({"name": "bridged", "mode": "auto"})
        else:
            rest.append(a)
        i += 1
    return nets, rest


def invalid_network_options() -> str:
    """The line the client appends to a refused `--network` (1.16.x, or main's with the link)."""
    if (version_tuple(VERSION) or (0,)) >= (1, 17, 0):
        return ("Invalid network options. To troubleshoot, see "
                "https://canonical.com/multipass/docs/stable/how-to-guides/troubleshoot/")
    return "Invalid network options supplied"


def resolve_networks(st: LabState, nets: list[dict]) -> list[dict]:
    """daemon.cpp validate_extra_interfaces: names must be listed; `bridged` is
    `local.bridged-network`; an ethernet NIC not in a bridge yet would need one (no TTY: refused)."""
    if not nets:
        return []
    listed = {n["name"]: n for n in host_networks(st)}
    out = []
    for n in nets:
        if n["name"] == "bridged":
            why = bridged_errors(st)
            if why:
                raise Fail(why)
            n = {**n, "name": lan.settings(st)["local.bridged-network"]}
        if n["name"] not in listed:
            raise Fail(f"Invalid arguments supplied\n{invalid_network_options()}")
        if listed[n["name"]]["type"] == "ethernet" and not any(
                b["type"] == "bridge" and n["name"] in b["description"].split("with ", 1)[-1].split(", ")
                for b in listed.values()):
            raise Fail(f"Missing bridges\n{invalid_network_options()}")  # no TTY: no authorization
        out.append(n)
    macs = [n["mac"].lower() for n in out if "mac" in n]
    dup = next((m for m in macs if macs.count(m) > 1), None)
    if dup:
        raise Fail(f"Repeated MAC address {dup}")
    return out


def cmd_launch(args: list[str]) -> int:
    nets, args = take_networks(args)
    opts, pos = take_opts(args, {"-n", "--name", "--timeout", "-c", "--cpus", "-m", "--memory", "-d", "--disk",
                                 "--cloud-init", "--mount"}, set())
    name = str(opts.get("-n") or opts.get("--name") or "")
    timeout = opts.get("--timeout")
    if timeout is not None and not str(timeout).isdigit() or timeout == "0":
        raise Fail("error: --timeout value has to be a positive integer", 1)
    st = daemon_check("launch")
    if not name:
        import random

        name = f"{random.choice(ADJECTIVES)}-{random.choice(ANIMALS)}"
    if not NAME_RE.match(name):
        raise Fail("Invalid instance name supplied")
    nets = resolve_networks(st, nets)
    from lab import faults, services, topology

    tries = max(1, min(int(timeout or 3), 3))  # the lab caps the wait short
    with locked(Path(st.state_dir)):
        st = load_state() or st
        if name in st.instances:
            raise Fail(f'instance "{name}" already exists')
        try:
            topology.add_instance(st, name, origin="launch")
        except LabError as e:
            if name in st.instances:
                topology.remove_instance_ns(st, name)
                del st.instances[name]
            st.save()
            raise Fail(str(e))
        st.save()
        services.dhcp(st, [name], tries=tries)
        inst = st.instances[name]
        inst.state = "Running" if inst.ip else "Unknown"
        if inst.ip:
            faults.refresh_arp_filter(st)
            for n in nets:
                lan.attach(st, name, n["name"], n["mode"], n.get("mac"))
        st.save()
    if not inst.ip:
        raise Fail(f"The following errors occurred:\n{name}: timed out waiting for response")
    sys.stdout.write(f"Launched: {name}\n")
    return 0


# ---- find: the image index over the lab's network, as multipassd fetches it -------------------------

def daemon_proxy(st: LabState) -> tuple[str, int] | None:
    """multipassd's proxy: `http_proxy`, then `HTTP_PROXY`, of the daemon's environment (never
    https_proxy or no_proxy); `http://` added when there is no scheme; no port gives 65535
    (QUrl::port() -1 cast to quint16), as in daemon_config.cpp."""
    import urllib.parse

    from lab import web

    env = web.daemon_environment(st)
    url = env.get("http_proxy") or env.get("HTTP_PROXY")
    if not url:
        return None
    if "://" not in url:
        url = "http://" + url
    parsed = urllib.parse.urlsplit(url)
    return parsed.hostname or "", parsed.port or 65535


def pinned_https(host: str, address: str, **kw):
    """HTTPS to a host name at a given address: the lab's host "resolves" the image host to
    the lab's server (never through a real resolver); SNI and the certificate use the name."""
    import http.client
    import socket

    class PinnedHTTPS(http.client.HTTPSConnection):
        def connect(self) -> None:
            sock = socket.create_connection((address, self.port), self.timeout)
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)

    return PinnedHTTPS(host, 443, **kw)


def fetch(st: LabState, path: str, timeout: float) -> bytes:
    """GET https://<image host><path>: direct, or through the daemon's proxy with CONNECT
    (since 1.15 every download is https)."""
    import http.client
    import ssl

    ctx = ssl.create_default_context(cafile=str(Path(st.state_dir, "pki", "public-ca.crt")))
    proxy = daemon_proxy(st)
    if proxy:
        conn = http.client.HTTPSConnection(proxy[0], proxy[1], timeout=timeout, context=ctx)
        conn.set_tunnel(st.image_host, 443)
    else:
        conn = pinned_https(st.image_host, st.image_ip, timeout=timeout, context=ctx)
    try:
        conn.request("GET", path, headers={"User-Agent": f"Multipass/{VERSION}"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise OSError(f"Error transferring {path} - server replied: {resp.reason}")
        return body
    finally:
        conn.close()


def images_from_index(st: LabState, timeout: float) -> dict:
    index = json.loads(fetch(st, "/releases/streams/v1/index.json", timeout))
    entry = index["index"]["com.ubuntu.cloud:released:download"]
    products = json.loads(fetch(st, "/releases/" + entry["path"], timeout))["products"]
    images = {}
    for p in products.values():
        aliases = [a for a in p["aliases"].split(",") if a != p["version"]]
        images[p["version"]] = {"aliases": aliases, "os": "Ubuntu", "release": p["release_title"], "remote": "",
                                "version": max(p["versions"])}
    return images


def cmd_find(args: list[str]) -> int:
    opts, pos = take_opts(args, {"--format"}, {"--show-unsupported", "--force-update", "--only-images"})
    fmt = fmt_of(opts)
    st = daemon_check("find")
    timeout = float(os.environ.get("MPLAB_FETCH_TIMEOUT", "3"))  # multipassd: 10 s per download
    import http.client  # lazily, as every other command's import: each call is a process start

    try:
        images = images_from_index(st, timeout)
    except (OSError, ValueError, KeyError, http.client.HTTPException) as exc:
        log = Path(st.state_dir, "logs", "multipassd.log")
        with log.open("a") as f:
            f.write(f"[warning] [url downloader] Failed to get https://{st.image_host}/releases/streams/v1/"
                    f"index.json: {exc} - trying cache.\n")
        raise Fail('Remote "" is unknown or unreachable.')
    if pos:
        images = {k: v for k, v in images.items() if pos[0] in (k, *v["aliases"])}
        if not images:
            raise Fail(f'Unable to find an image matching "{pos[0]}" in remote "release".')
    if fmt == "json":
        print_json({"blueprints (deprecated)": {}, "errors": [], "images": images})
    elif fmt == "csv":
        out = ["Image,Remote,Aliases,OS,Release,Version,Type"]
        out += [f"{k},{v['remote']},{';'.join(v['aliases'])},{v['os']},{v['release']},{v['version']},Cloud Image"
                for k, v in images.items()]
        sys.stdout.write("\n".join(out) + "\n")
    else:
        if not images:
            sys.stdout.write("No images found.\n")
            return 0
        out = [f"{'Image':<28}{'Aliases':<18}{'Version':<17}Description"]
        out += [f"{k:<28}{','.join(v['aliases']):<18}{v['version']:<17}{v['os']} {v['release']}"
                for k, v in sorted(images.items())]
        sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_delete(args: list[str]) -> int:
    from lab import topology

    opts, names = take_opts(args, set(), {"--purge", "-p", "--all"})
    st = daemon_check("delete")
    with locked(Path(st.state_dir)):
        st = load_state() or st
        if opts.get("--all"):
            names = list(st.instances)
        if not names:
            raise Fail("Name argument or --all is required", 1)
        unknown = [n for n in names if n not in st.instances]
        if unknown:
            raise missing(unknown)
        for n in names:
            if st.instances[n].state != "Deleted":
                topology.remove_instance_ns(st, n)
                st.aliases.pop(n, None)
                lan.forget(st, n)
            if opts.get("--purge") or opts.get("-p"):
                del st.instances[n]
            else:
                st.instances[n].state = "Deleted"
        st.save()
    return 0


def cmd_purge(args: list[str]) -> int:
    st = daemon_check("purge")
    with locked(Path(st.state_dir)):
        st = load_state() or st
        st.instances = {k: v for k, v in st.instances.items() if v.state != "Deleted"}
        st.save()
    return 0


COMMANDS = {"version": cmd_version, "list": cmd_list, "ls": cmd_list, "info": cmd_info, "get": cmd_get,
            "exec": cmd_exec, "shell": cmd_shell, "sh": cmd_shell, "connect": cmd_shell, "launch": cmd_launch,
            "delete": cmd_delete, "purge": cmd_purge, "find": cmd_find, "networks": cmd_networks,
            "set": cmd_set, "zones": cmd_zones}
CANONICAL = {"ls": "list", "sh": "shell", "connect": "shell"}


def main(argv: list[str]) -> int:
    args = [a for a in argv if not re.fullmatch(r"-v+|--verbose", a)]
    if not args or args[0] in ("help", "-h", "--help"):
        sys.stdout.write("Usage: multipass [options] <command>\nLab stand-in for Multipass "
                         f"{VERSION}: {', '.join(sorted(set(COMMANDS) - set(CANONICAL)))}\n")
        return 0 if args else 1
    cmd = args[0]
    main_only = cmd == "zones" and (version_tuple(VERSION) or (0,)) < (1, 17, 0)
    if cmd not in COMMANDS or main_only:  # argparser.cpp's wording, on stdout
        sys.stdout.write(f"Error: Unknown command or alias '{cmd}' (try \"multipass help\" or \"multipass aliases\")\n")
        return 1
    try:
        return COMMANDS[cmd](args[1:])
    except Fail as f:
        if f.code == 1:
            sys.stderr.write(f"{f.what}\n")
        else:
            sys.stderr.write(f"{CANONICAL.get(cmd, cmd)} failed: {f.what}\n")
        return f.code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
