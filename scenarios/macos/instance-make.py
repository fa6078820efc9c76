"""Builds the macOS `instance-*` replay scenarios: `python scenarios/macos/instance-make.py`
(outputs are committed).

Each one starts from a macOS host scenario of scenarios/macos/ (copied, never edited: its
probes/ and the macos.* outcomes of its expected.json), then adds what a recording of the
instance side holds: `instances/<name>/probes/*` in the real formats of an Ubuntu 24.04
guest (iproute2 6.x `ip -j`, iputils 20240117 ping, BIND 9.18.28 dig, glibc `getent
ahostsv4`, systemd-resolved's stub resolv.conf), the pexpect `shell_session` JSON, exec
failures as Multipass 1.16.3 prints them (`exec failed: ...`, exit 2), and host-side probes
(firewall_stealth, arping, the launch) where the story needs them. A recording holds only
the probes its checks ran: a check that skips early leaves its probes out.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
GUEST = "enp0s1"  # virtio-net on Apple silicon QEMU
SUBNET = "192.168.252"
GW = f"{SUBNET}.1"
IP = f"{SUBNET}.2"
EXTERNAL_IP = "1.1.1.1"
EXTERNAL_DNS = "1.1.1.1"
NAME = "google.ie"
GOOGLE = "74.125.193.94"
DIG_VERSION = "9.18.28-0ubuntu0.24.04.1-Ubuntu"
EXEC_FAILED = "exec failed: ssh connection failed: 'Failed to connect: No route to host'"

INSTANCE_IDS = ["instance.launch.gets_ip", "instance.state.running_with_ip", "instance.shell.reachable",
                "instance.net.ping_gateway", "instance.net.ping_external", "instance.dns.gateway",
                "instance.dns.external", "instance.dns.resolver", "instance.dns.answers_sane",
                "instance.arp.extra_ips"]


# ---- real formats -----------------------------------------------------------------------------

def ip_addr(addresses: list[str]) -> str:
    infos = [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host", "label": "lo",
              "valid_life_time": 4294967295, "preferred_life_time": 4294967295}]
    guest = []
    for i, a in enumerate(addresses):
        entry = {"family": "inet", "local": a, "prefixlen": 24, "metric": 100, "broadcast": f"{SUBNET}.255",
                 "scope": "global", "dynamic": True, "label": GUEST, "valid_life_time": 85962,
                 "preferred_life_time": 85962}
        if i:
            entry = {"family": "inet", "local": a, "prefixlen": 24, "scope": "global", "secondary": True,
                     "label": GUEST, "valid_life_time": 4294967295, "preferred_life_time": 4294967295}
        guest.append(entry)
    links = [
        {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536, "qdisc": "noqueue",
         "operstate": "UNKNOWN", "group": "default", "txqlen": 1000, "addr_info": infos},
        {"ifindex": 2, "ifname": GUEST, "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "mtu": 1500,
         "qdisc": "fq_codel", "operstate": "UP", "group": "default", "txqlen": 1000, "addr_info": guest},
    ]
    return json.dumps(links, separators=(",", ":")) + "\n"


def ip_route(gateway: str | None = GW) -> str:
    routes = []
    if gateway:
        routes.append({"dst": "default", "gateway": gateway, "dev": GUEST, "protocol": "dhcp", "prefsrc": IP,
                       "metric": 100, "flags": []})
    routes += [{"dst": f"{SUBNET}.0/24", "dev": GUEST, "protocol": "kernel", "scope": "link", "prefsrc": IP,
                "metric": 100, "flags": []},
               {"dst": GW, "dev": GUEST, "protocol": "dhcp", "scope": "link", "prefsrc": IP, "metric": 100,
                "flags": []}]
    return json.dumps(routes, separators=(",", ":")) + "\n"


def ping(target: str, sent: int, received: int, rtt: float = 0.9) -> str:
    lines = [f"PING {target} ({target}) 56(84) bytes of data."]
    for seq in range(1, received + 1):
        lines.append(f"64 bytes from {target}: icmp_seq={seq} ttl={64 if target == GW else 56} time={rtt:.2f} ms")
    loss = 100 - round(100 * received / sent)
    lines += ["", f"--- {target} ping statistics ---",
              f"{sent} packets transmitted, {received} received, {loss}% packet loss, time {int((sent - 1) * 200.5)}ms"]
    if received:
        lines.append(f"rtt min/avg/max/mdev = {rtt * 0.8:.3f}/{rtt:.3f}/{rtt * 1.4:.3f}/{rtt * 0.1:.3f} ms")
    return "\n".join(lines) + "\n"


def dig_answer(server: str, address: str, ttl: int = 300) -> str:
    return (f"\n; <<>> DiG {DIG_VERSION} <<>> +time=2 +tries=1 @{server} {NAME}\n"
            "; (1 server found)\n;; global options: +cmd\n;; Got answer:\n"
            ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 41207\n"
            ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n\n"
            ";; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n"
            f";; QUESTION SECTION:\n;{NAME}.\t\t\tIN\tA\n\n"
            f";; ANSWER SECTION:\n{NAME}.\t\t{ttl}\tIN\tA\t{address}\n\n"
            f";; Query time: 14 msec\n;; SERVER: {server}#53({server}) (UDP)\n"
            ";; WHEN: Fri Nov 20 10:00:04 UTC 2026\n;; MSG SIZE  rcvd: 54\n\n")


def dig_timeout(server: str) -> str:
    return (f";; communications error to {server}#53: timed out\n\n"
            f"; <<>> DiG {DIG_VERSION} <<>> +time=2 +tries=1 @{server} {NAME}\n"
            "; (1 server found)\n;; global options: +cmd\n;; no servers could be reached\n")


def getent(address: str) -> str:
    return f"{address}   STREAM {NAME}\n{address}   DGRAM  \n{address}   RAW    \n"


RESOLV_STUB = ("# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n"
               "# Do not edit.\n#\n# This file might be symlinked as /etc/resolv.conf. If you're looking at\n"
               "# /etc/resolv.conf and seeing this text, you have followed the symlink.\n#\n"
               "# Run \"resolvectl status\" to see details about the uplink DNS servers\n"
               "# currently in use.\n\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n")


def shell_ok(name: str = "primary") -> str:
    transcript = ("Welcome to Ubuntu 24.04.1 LTS (GNU/Linux 6.8.0-45-generic aarch64)\n\n"
                  " * Documentation:  https://help.ubuntu.com\n * Management:     https://landscape.canonical.com\n"
                  " * Support:        https://ubuntu.com/pro\n\n System information as of Fri Nov 20 10:00:02 UTC 2026\n\n"
                  f"  IPv4 address for {GUEST}: {IP}\n\n"
                  f"ubuntu@{name}:~$ exit\nlogout\n")
    return json.dumps({"method": "pexpect", "reached_prompt": True, "rc": 0, "seconds": 1.412,
                       "transcript": transcript}, sort_keys=True)


def shell_failed() -> str:
    return json.dumps({"method": "pexpect", "reached_prompt": False, "rc": 2, "seconds": 0.231,
                       "transcript": "shell failed: ssh connection failed: 'Failed to connect: No route to host'\n"},
                      sort_keys=True)


def meta(argv: list[str], rc: int = 0, stderr: str = "", exec_: bool = True) -> dict:
    guard = 'rc=0; "$@" || rc=$?; if [ "$rc" -eq 4 ]; then exit 104; fi; exit "$rc"'
    full = ["multipass", "exec", "primary", "--", "sh", "-c", guard, "sh", *argv] if exec_ else argv
    return {"argv": full, "rc": rc, "stderr": stderr, "timed_out": False, "duration": 0.2}


ARGV = {
    "ip_addr": ["ip", "-j", "-4", "addr"],
    "ip_route": ["ip", "-j", "route"],
    "ping_gateway": ["ping", "-n", "-c", "3", "-i", "0.3", "-W", "3", GW],
    "ping_external": ["ping", "-n", "-c", "15", "-i", "0.2", "-W", "1", EXTERNAL_IP],
    "dig_gateway": ["dig", "+time=2", "+tries=1", f"@{GW}", NAME],
    "dig_external": ["dig", "+time=2", "+tries=1", f"@{EXTERNAL_DNS}", NAME],
    "resolv_conf": ["cat", "/etc/resolv.conf"],
    "resolve_name": ["env", "RES_OPTIONS=timeout:2 attempts:2", "getent", "ahostsv4", NAME],
}


def healthy_instance() -> dict[str, tuple[str, dict | None]]:
    return {
        "ip_addr": (ip_addr([IP]), None),
        "ip_route": (ip_route(), None),
        "shell_session": (shell_ok(), None),
        "ping_gateway": (ping(GW, 3, 3, 0.4), None),
        "ping_external": (ping(EXTERNAL_IP, 15, 15, 9.8), None),
        "dig_gateway": (dig_answer(GW, GOOGLE), None),
        "dig_external": (dig_answer(EXTERNAL_DNS, GOOGLE), None),
        "resolve_name": (getent(GOOGLE), None),
    }


# ---- scenarios ---------------------------------------------------------------------------------

def scenario(name: str, base: str, about: str, instance: dict, expected_instance: dict[str, str],
             host_extra: dict[str, tuple[str, dict | None]] | None = None,
             host_replace: dict[str, str] | None = None) -> None:
    src, dst = HERE / base, HERE / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src / "probes", dst / "probes")
    manifest = json.loads((src / "manifest.json").read_text())
    manifest["about"] = f"{about} (host side: scenarios/macos/{base})"
    (dst / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for probe, text in (host_replace or {}).items():
        (dst / "probes" / f"{probe}.out").write_text(text)
    for probe, (out, m) in (host_extra or {}).items():
        (dst / "probes" / f"{probe}.out").write_text(out)
        if m is not None:
            (dst / "probes" / f"{probe}.json").write_text(json.dumps(m, indent=2) + "\n")
    idir = dst / "instances" / "primary" / "probes"
    for probe, (out, m) in instance.items():
        idir.mkdir(parents=True, exist_ok=True)
        (idir / f"{probe}.out").write_text(out)
        if m is None and probe in ARGV:
            m = meta(ARGV[probe])
        if m is not None:
            (idir / f"{probe}.json").write_text(json.dumps(m, indent=2) + "\n")
    host = {k: v for k, v in json.loads((src / "expected.json").read_text()).items() if k.startswith("macos.")}
    missing = set(INSTANCE_IDS) - set(expected_instance)
    assert not missing, (name, missing)
    (dst / "expected.json").write_text(json.dumps({**host, **expected_instance}, indent=2) + "\n")


def all_passed(**changes: str) -> dict[str, str]:
    out = {i: "passed" for i in INSTANCE_IDS}
    out["instance.launch.gets_ip"] = "skipped"  # not launched by the suite
    out["instance.arp.extra_ips"] = "skipped"  # attached, no extra address: only read
    out.update(changes)
    return out


def build() -> None:
    scenario("instance-healthy", "healthy",
             "primary runs on 192.168.252.2, reaches its gateway, the internet and DNS every way",
             healthy_instance(), all_passed())

    broken = healthy_instance()
    broken["dig_gateway"] = (dig_timeout(GW), meta(ARGV["dig_gateway"], 9))
    broken["resolve_name"] = ("", meta(ARGV["resolve_name"], 2))
    broken["resolv_conf"] = (RESOLV_STUB, None)
    scenario("instance-dns-broken", "dns-gateway-silent",
             "the gateway's DNS (mDNSResponder) does not answer: dig @1.1.1.1 works, dig @gateway and the "
             "instance's resolver (systemd-resolved -> gateway) do not",
             broken, all_passed(**{"instance.dns.gateway": "failed", "instance.dns.resolver": "failed"}))

    scenario("instance-no-ip", "bootpd-blocked",
             "the firewall blocks bootpd: primary is Unknown without an IPv4, so nothing runs inside it",
             {}, {**{i: "skipped" for i in INSTANCE_IDS}, "instance.state.running_with_ip": "failed"})

    stealth = healthy_instance()
    stealth["ping_external"] = (ping(EXTERNAL_IP, 15, 0), meta(ARGV["ping_external"], 1))
    scenario("instance-stealth-mode", "healthy",
             "Stealth Mode is on: ping 1.1.1.1 gets no reply while DNS works every way (the guide's caveat)",
             stealth, all_passed(**{"instance.net.ping_external": "failed"}),
             host_extra={"firewall_stealth": ("Firewall stealth mode is on \n", None)})

    fortinet = healthy_instance()
    fortinet["dig_gateway"] = (dig_answer(GW, "198.18.0.12", 60), None)
    fortinet["dig_external"] = (dig_answer(EXTERNAL_DNS, "198.18.0.12", 60), None)
    fortinet["resolve_name"] = (getent("198.18.0.12"), None)
    scenario("instance-dns-intercepted", "healthy",
             "security software intercepts DNS: google.ie resolves to 198.18.0.12 everywhere",
             fortinet, all_passed(**{"instance.dns.answers_sane": "failed"}))

    unreachable = {p: ("", meta(ARGV[p], 2, EXEC_FAILED))
                   for p in ("ip_addr", "ip_route", "ping_external", "dig_external", "resolve_name")}
    unreachable["shell_session"] = (shell_failed(), None)
    scenario("instance-local-network", "local-network-privacy",
             "macOS 15 Local Network privacy blocks the terminal: shell and exec fail with No route to host",
             unreachable, {**{i: "skipped" for i in INSTANCE_IDS}, "instance.state.running_with_ip": "passed",
                           "instance.shell.reachable": "failed"})

    alias = healthy_instance()
    alias["ip_addr"] = (ip_addr([IP, f"{SUBNET}.200"]), None)
    habets_ok = (f"ARPING {IP}\n60 bytes from 52:54:0:4e:12:8a ({IP}): index=0 time=412.000 usec\n"
                 f"60 bytes from 52:54:0:4e:12:8a ({IP}): index=1 time=388.000 usec\n\n--- {IP} statistics ---\n"
                 "2 packets transmitted, 2 packets received,   0% unanswered (0 extra)\n"
                 "rtt min/avg/max/std-dev = 0.388/0.400/0.412/0.012 ms\n")
    habets_none = (f"ARPING {SUBNET}.200\nTimeout\nTimeout\n\n--- {SUBNET}.200 statistics ---\n"
                   "2 packets transmitted, 0 packets received, 100% unanswered (0 extra)\n\n")
    arp_argv = ["sudo", "-n", "arping", "-I", "bridge100", "-c", "2", "-w", "2"]
    scenario("instance-arp-alias", "healthy",
             "primary has an extra address 192.168.252.200 (metallb): the vmnet bridge drops its ARP replies",
             alias, all_passed(**{"instance.arp.extra_ips": "failed"}),
             host_extra={"arping_assigned": (habets_ok, meta([*arp_argv, IP], 0, exec_=False)),
                         "arping": (habets_none, meta([*arp_argv, f"{SUBNET}.200"], 1, exec_=False))},
             host_replace={"multipass_list": json.dumps({"list": [{"ipv4": [IP, f"{SUBNET}.200"], "name": "primary",
                                                                  "release": "Ubuntu 24.04 LTS",
                                                                  "state": "Running"}]}, indent=4) + "\n"})


if __name__ == "__main__":
    build()
