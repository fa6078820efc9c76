"""An instance's resolver: `/etc/resolv.conf` and `getent hosts` / `getent ahostsv4`."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_IP = re.compile(r"^[0-9a-fA-F:.]+(?:%\S+)?$")
STUB = "127.0.0.53"  # systemd-resolved's stub listener


@dataclass(frozen=True)
class ResolvConf:
    nameservers: tuple[str, ...]
    search: tuple[str, ...] = ()
    options: tuple[str, ...] = ()

    @property
    def uses_stub(self) -> bool:
        """systemd-resolved's stub: the real servers are in `resolvectl status`."""
        return self.nameservers == (STUB,)

    def describe(self) -> str:
        if not self.nameservers:
            return "no nameserver line in /etc/resolv.conf"
        names = ", ".join(self.nameservers)
        return f"nameserver {names}" + (" (systemd-resolved's stub)" if self.uses_stub else "")


def parse_resolv_conf(text: str) -> ResolvConf:
    """nameserver/search/options lines; comments (`#` and `;`) are ignored."""
    ns: list[str] = []
    search: list[str] = []
    options: list[str] = []
    for ln in text.splitlines():
        parts = re.split(r"[#;]", ln, maxsplit=1)[0].split()
        if not parts:
            continue
        if parts[0] == "nameserver" and len(parts) >= 2:
            if not _IP.match(parts[1]):
                raise ParseError("resolv.conf: nameserver is not an address", ln)
            ns.append(parts[1])
        elif parts[0] in ("search", "domain"):
            search += parts[1:]
        elif parts[0] == "options":
            options += parts[1:]
    return ResolvConf(tuple(ns), tuple(search), tuple(options))


def parse_getent_hosts(text: str) -> tuple[str, ...]:
    """`getent hosts NAME` (`ADDR NAME [ALIAS...]`) or `getent ahostsv4 NAME`
    (`ADDR STREAM NAME`, `ADDR DGRAM`, `ADDR RAW`): the distinct addresses in order
    (empty when the name did not resolve, rc 2)."""
    out: list[str] = []
    for ln in text.splitlines():
        parts = ln.split()
        if not parts:
            continue
        if not _IP.match(parts[0]):
            raise ParseError("getent: a line that does not start with an address", ln)
        try:
            ipaddress.ip_address(parts[0].split("%", 1)[0])
        except ValueError:
            raise ParseError("getent: a line that does not start with an address", ln) from None
        if parts[0] not in out:
            out.append(parts[0])
    return tuple(out)
