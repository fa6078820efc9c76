"""An instance's resolver: `/etc/resolv.conf` and `getent hosts`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_IP = re.compile(r"^[0-9a-fA-F:.]+$")


@dataclass(frozen=True)
class ResolvConf:
    nameservers: tuple[str, ...]
    search: tuple[str, ...] = ()


def parse_resolv_conf(text: str) -> ResolvConf:
    """nameserver/search lines; comments and options are ignored."""
    ns: list[str] = []
    search: list[str] = []
    for ln in text.splitlines():
        parts = ln.split("#", 1)[0].split()
        if not parts:
            continue
        if parts[0] == "nameserver" and len(parts) >= 2:
            if not _IP.match(parts[1]):
                raise ParseError("resolv.conf: nameserver is not an address", ln)
            ns.append(parts[1])
        elif parts[0] in ("search", "domain"):
            search += parts[1:]
    return ResolvConf(tuple(ns), tuple(search))


def parse_getent_hosts(text: str) -> tuple[str, ...]:
    """`getent hosts NAME`: the addresses (empty when the name did not resolve, rc 2)."""
    out = []
    for ln in text.splitlines():
        parts = ln.split()
        if not parts:
            continue
        if not _IP.match(parts[0]):
            raise ParseError("getent hosts: a line that does not start with an address", ln)
        out.append(parts[0])
    return tuple(out)
