"""What a recording of an instance holds, for the macOS `instance-*` entries
(scenarios/macos/entries.py): on top of a host scenario's probes, `instances/<name>/probes/*` in the real formats of an Ubuntu 24.04
guest (iproute2 6.x `ip -j`, iputils 20240117 ping, BIND 9.18.28 dig, glibc `getent
ahostsv4`, systemd-resolved's stub resolv.conf), the pexpect `shell_session` JSON, exec
failures as Multipass 1.16.3 prints them (`exec failed: ...`, exit 2), and host-side probes
(firewall_stealth, arping, the launch) where the story needs them. A recording holds only
the probes its checks ran: a check that skips early leaves its probes out.
"""

from __future__ import annotations

import json

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


def healthy_instance() -> dict[str, tuple[str, dict | None]]:
    return {
        "ip_addr": (ip_addr([IP]), None),
        "ip_route": (ip_route(), None),
        "shell_session": (shell_ok(), None),
        "ping_gateway": (ping(GW, 3, 3, 0.4), None),
        "ping_external": (ping(EXTERNAL_IP, 8, 8, 9.8), None),
        "dig_gateway": (dig_answer(GW, GOOGLE), None),
        "dig_external": (dig_answer(EXTERNAL_DNS, GOOGLE), None),
        "resolve_name": (getent(GOOGLE), None),
    }
