"""The `listening_sockets` probe's JSON (psutil `net_connections(kind="inet")`, LISTEN
TCP and unconnected UDP): one object per socket.

    {"proto": "udp", "family": 4, "ip": "10.97.23.1", "port": 53, "pid": 812,
     "name": "dnsmasq", "cmdline": ["dnsmasq", "--keep-in-foreground", ...]}

`pid`/`name` are null when the probe could not see the owner (psutil without root
shows only the caller's own processes); `cmdline` is kept only for the owners of
ports 53 and 67 (it tells Multipass's dnsmasq, `--interface=mpqemubr0`, from another).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

WILDCARDS = frozenset({"0.0.0.0", "::"})


@dataclass(frozen=True)
class Socket:
    proto: str                 # tcp | udp
    family: int                # 4 | 6
    ip: str
    port: int
    pid: int | None = None
    name: str | None = None
    cmdline: tuple[str, ...] | None = None

    @property
    def wildcard(self) -> bool:
        return self.ip in WILDCARDS

    @property
    def owner(self) -> str:
        """`name (pid N)`, or what is known of it."""
        if self.pid is None:
            return "an unknown process (owner hidden: run as root)"
        return f"{self.name or '?'} (pid {self.pid})"

    @property
    def address(self) -> str:
        return f"[{self.ip}]:{self.port}" if self.family == 6 else f"{self.ip}:{self.port}"


def parse_listening_sockets(text: str) -> list[Socket]:
    """The probe's JSON list; anything else (or a malformed entry) is a ParseError."""
    data = load_json(text, "listening sockets")
    if isinstance(data, dict):          # {"sockets": [...]} is accepted too
        data = data.get("sockets")
    if not isinstance(data, list):
        raise ParseError("listening sockets: expected a JSON list", text)
    out = []
    for obj in data:
        try:
            if not isinstance(obj, dict):
                raise TypeError("not an object")
            proto = str(obj["proto"]).lower()
            if proto not in ("tcp", "udp"):
                raise ValueError(f"proto {proto!r}")
            ip = str(ipaddress.ip_address(str(obj["ip"]).split("%")[0]))
            family = int(obj.get("family") or ipaddress.ip_address(ip).version)
            port = int(obj["port"])
            if not 0 <= port <= 65535 or family not in (4, 6) or isinstance(obj["port"], bool):
                raise ValueError("port/family out of range")
            pid = obj.get("pid")
            if pid is not None and (isinstance(pid, bool) or not isinstance(pid, int)):
                raise TypeError("pid is not an integer")
            name = obj.get("name")
            cmd = obj.get("cmdline")
            if cmd is not None and (not isinstance(cmd, list) or not all(isinstance(c, str) for c in cmd)):
                raise TypeError("cmdline is not a list of strings")
        except (KeyError, TypeError, ValueError) as exc:
            raise ParseError(f"listening sockets: malformed entry ({exc})", json.dumps(obj)[:400]) from exc
        out.append(Socket(proto, family, ip, port, pid, None if name is None else str(name),
                          None if cmd is None else tuple(cmd)))
    return out
