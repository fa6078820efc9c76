"""What the Multipass client does on Windows to reach an instance, emulated: resolve
`<instance>.mshome.net` (`Resolve-DnsName`), then TCP-connect to its port 22 (the daemon
sends that name and port in SSHInfoReply; the client resolves it itself; the source has
no Test-NetConnection-like probe: ../shared/reference/multipass-networking-2026.md, section 5).

Pure. `Resolve-DnsName ... | Select-Object Name,Type,IPAddress | ConvertTo-Json` gives one
object or an array; `Type` is the record type's number (1: A, 5: CNAME, 28: AAAA) on both
PowerShell 5.1 and 7 (enums serialize as numbers). A name that does not exist is an error
record (`DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName`, exit 1),
which the probe layer keeps; the check reads it with `powershell_error`.

The TCP probe prints `{"Connected": true|false, "Error": <the exception's message>|null}`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from mpdiag.errors import ParseError
from mpdiag.parse.powershell import parse_json_objects, prop
from mpdiag.parse.text import load_json

A, CNAME = 1, 5
NAME_ERRORS = ("DNS_ERROR_RCODE_NAME_ERROR", "DNS name does not exist")
TIMEOUTS = ("ERROR_TIMEOUT", "timeout period expired")


def parse_resolve(text: str) -> list[str]:
    """The IPv4 addresses of the A records, in order ([] when there is none)."""
    out = []
    for obj in parse_json_objects(text):
        kind, addr = prop(obj, "Type"), prop(obj, "IPAddress")
        if kind in (A, "A") and isinstance(addr, str):
            try:
                out.append(str(ipaddress.IPv4Address(addr)))
            except ValueError:
                raise ParseError(f"Resolve-DnsName: A record with address {addr!r}", text[:300]) from None
    return out


@dataclass(frozen=True)
class TcpConnect:
    connected: bool
    error: str | None     # the exception's message; None with not connected: the wait timed out


def parse_tcp_connect(text: str) -> TcpConnect:
    data = load_json(text.strip(), "TcpClient probe")
    if not isinstance(data, dict) or not isinstance(data.get("Connected"), bool):
        raise ParseError("TcpClient probe: no Connected true/false", text[:300])
    err = data.get("Error")
    return TcpConnect(data["Connected"], err if isinstance(err, str) and err else None)
