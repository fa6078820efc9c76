"""Command forms of the Python-call probes, for remote hosts (mpdiag.ssh.SshSource).

A Python-call probe (psutil, dnspython, a file read, the doctor's own environment) asks
*this* process; on a host reached over ssh the same fact comes from a command run there,
and a pure converter turns its output into the very JSON value the call returns, so the
probe's own parser and every check read it unchanged:

    processes         linux: /proc/<pid>/comm and exe (sh)   macos: ps -A -o pid=,comm=
                      windows: Get-Process (Id, ProcessName, Path) as JSON
    dns_gateway       linux, macos: dig +time=2 +tries=1 @SERVER NAME A   windows: Resolve-DnsName
    listening_sockets linux: id -u; ss -H -tulpn; the cmdline of the owners of ports 53 and 67
    multipass_subnet  linux: $MPDIAG_MULTIPASS_DATA (else the snap's)/network/multipass_subnet
    dnsmasq_leases    linux: the same directory's dnsmasq.leases
    shell_proxy_env   linux, macos: env     windows: the env: drive
    shell_session     every platform: multipass exec NAME -- true (no pty over BatchMode ssh)
    host_markers      linux: the WSL and container markers (sh: test -e, cat, the .wslconfig files)

A form is (argv builder, converter). The argv is quoted for the remote shell (or encoded for
PowerShell) by mpdiag.ssh; a converter raises ParseError on output it cannot read.

Longer than ~300 lines on purpose: one concern, a form per (Python-call probe, platform), each
a few lines beside its converter, and the table that picks them; split, a form would sit apart
from the call it must answer like.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from mpdiag.errors import ParseError, ProbeError
from mpdiag.multipass import exec_argv, validate_name
from mpdiag.runner import CommandResult

PS = ("powershell", "-NoProfile", "-NonInteractive", "-Command")
SNAP_DATA = "/var/snap/multipass/common/data/multipassd"
SERVICE_PORTS = frozenset({53, 67})

Argv = Callable[[Any], Sequence[str]]       # (ProbeContext) -> argv run on the remote host
Convert = Callable[[CommandResult, Any], Any]  # (result, ProbeContext) -> the call's JSON value


@dataclass(frozen=True)
class CommandForm:
    argv: Argv
    convert: Convert


# ---- processes ------------------------------------------------------------------------------
# comm (15 characters at most) and the executable; psutil's name() is the exe's base name where
# comm is a cut of it, and so is this.
LINUX_PROCESSES = ('for d in /proc/[0-9]*; do read -r n 2>/dev/null < "$d/comm" || continue; '
                   'e=$(readlink "$d/exe" 2>/dev/null); printf "%s\\t%s\\t%s\\n" "${d#/proc/}" "$n" "$e"; done')


def processes_linux(res: CommandResult, ctx: Any = None) -> list[dict[str, Any]]:
    out = []
    for line in res.text.splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not parts[0].isdigit():
            raise ParseError("processes: expected `pid<TAB>comm<TAB>exe` lines", line)
        pid, comm, exe = int(parts[0]), parts[1], parts[2] or None
        base = exe.rsplit("/", 1)[-1].replace(" (deleted)", "") if exe else ""
        name = base if len(comm) >= 15 and base.startswith(comm) else comm
        out.append({"pid": pid, "name": name, "exe": exe})
    return out


def processes_macos(res: CommandResult, ctx: Any = None) -> list[dict[str, Any]]:
    """`ps -A -o pid=,comm=`: comm is the executable's path (or a bare name for some)."""
    out = []
    for line in res.text.splitlines():
        m = re.match(r"^\s*(\d+)\s+(.*?)\s*$", line)
        if not m:
            if line.strip():
                raise ParseError("processes: expected `pid command` lines from ps", line)
            continue
        comm = m[2]
        exe = comm if comm.startswith("/") else None
        out.append({"pid": int(m[1]), "name": comm.rsplit("/", 1)[-1], "exe": exe})
    return out


WINDOWS_PROCESSES = "Get-Process | Select-Object Id, ProcessName, Path | ConvertTo-Json -Compress"


def processes_windows(res: CommandResult, ctx: Any = None) -> list[dict[str, Any]]:
    """Get-Process as JSON; psutil's name on Windows is the image name with `.exe`."""
    data = _json(res.text, "processes")
    rows = data if isinstance(data, list) else [data]
    out = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("Id"), int):
            raise ParseError("processes: Get-Process rows need an integer Id", res.text[:200])
        path = row.get("Path") if isinstance(row.get("Path"), str) else None
        name = path.rsplit("\\", 1)[-1] if path else f"{row.get('ProcessName') or ''}.exe"
        out.append({"pid": row["Id"], "name": name, "exe": path})
    return out


# ---- dns_gateway ------------------------------------------------------------------------------
def _dns_params(ctx: Any) -> tuple[str, str]:
    server, name = str(ctx.params["server"]), str(ctx.params["name"])
    try:
        ipaddress.ip_address(server)
    except ValueError:
        raise ProbeError(f"dns_gateway: server {server!r} is not an IP address") from None
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})", name):
        raise ProbeError(f"dns_gateway: {name!r} is not a DNS name")
    return server, name


def dig_argv(ctx: Any) -> list[str]:
    server, name = _dns_params(ctx)
    return ["dig", "+time=2", "+tries=1", f"@{server}", name, "A"]


def dns_from_dig(res: CommandResult, ctx: Any) -> dict[str, Any]:
    """dig's reply as dnspython's probe tells it: rcode and A answers, or the error (timeout...)."""
    from mpdiag.parse.dig import parse_dig

    server, name = str(ctx.params["server"]), str(ctx.params["name"])
    found = parse_dig(res.text + "\n" + res.error_text)
    if found.status is None:
        error = "timeout" if "timed out" in (found.error or "") else found.error
        return {"server": server, "name": name, "error": error, "answers": []}
    return {"server": server, "name": name, "error": None, "rcode": found.status, "answers": list(found.answers)}


def resolve_dns_argv(ctx: Any) -> list[str]:
    server, name = _dns_params(ctx)
    script = (f"try {{ $r = @(Resolve-DnsName -Name '{name}' -Server '{server}' -Type A -DnsOnly -QuickTimeout "
              f"-ErrorAction Stop | Where-Object {{ $_.Type -eq 'A' }} | ForEach-Object {{ $_.IPAddress }}); "
              f"@{{rcode='NOERROR'; answers=$r; error=$null}} | ConvertTo-Json -Compress }} catch {{ "
              f"@{{rcode=$null; answers=@(); error=$_.FullyQualifiedErrorId + ': ' + $_.Exception.Message}} "
              f"| ConvertTo-Json -Compress }}")
    return [*PS, script]


def dns_from_resolve(res: CommandResult, ctx: Any) -> dict[str, Any]:
    """Resolve-DnsName's answer (or its error id: NXDOMAIN and timeouts named as dnspython does)."""
    server, name = str(ctx.params["server"]), str(ctx.params["name"])
    data = _json(res.text, "dns_gateway")
    if not isinstance(data, dict):
        raise ParseError("dns_gateway: expected a JSON object", res.text[:200])
    answers = data.get("answers") or []
    answers = [answers] if isinstance(answers, str) else [a for a in answers if isinstance(a, str)]
    error = data.get("error")
    if isinstance(error, str) and error:
        if "RCODE_NAME_ERROR" in error:
            return {"server": server, "name": name, "error": None, "rcode": "NXDOMAIN", "answers": []}
        if "TIMEOUT" in error.upper():
            error = "timeout"
        return {"server": server, "name": name, "error": error, "answers": []}
    return {"server": server, "name": name, "error": None, "rcode": "NOERROR", "answers": answers}


# ---- listening_sockets ------------------------------------------------------------------------
# uid first (no root: other users' owners hidden, as psutil's), ss's table, then the cmdline of
# the owners of ports 53 and 67 (NUL-separated words sent as \037).
LINUX_SOCKETS = ('echo "uid $(id -u)"; out=$(ss -H -tulpn) || exit $?; printf "%s\\n" "$out"; echo "--cmdlines"; '
                 'printf "%s\\n" "$out" | awk \'$5 ~ /:(53|67)$/\' | grep -o "pid=[0-9]*" | sort -u | '
                 'while IFS== read -r _ p; do printf "%s " "$p"; tr "\\000\\n" "\\037 " < "/proc/$p/cmdline"; echo; done')
_SS_LINE = re.compile(r"^(tcp|udp)\s+(\S+)\s+\d+\s+\d+\s+(\S+)\s+(\S+)(?:\s+(.*))?$")
_OWNER = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)')


def split_address(addr: str) -> tuple[int, str, int]:
    """ss's local address: `10.97.23.1%mpqemubr0:53`, `[::]:22`, `*:5353` (a dual-stack wildcard)."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ParseError(f"ss: {addr!r} is not address:port", addr)
    host = host.split("%", 1)[0]
    if host.startswith("["):
        host = host[1:].rstrip("]").split("%", 1)[0]
    if host == "*":
        return 6, "::", int(port)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ParseError(f"ss: {host!r} is not an IP address", addr) from None
    if ip.version == 6 and ip.ipv4_mapped:
        return 6, str(ip), int(port)
    return ip.version, str(ip), int(port)


def sockets_from_ss(res: CommandResult, ctx: Any = None) -> dict[str, Any]:
    lines = res.text.splitlines()
    if not lines or not lines[0].startswith("uid "):
        raise ParseError("listening_sockets: no `uid N` line first", res.text[:200])
    root = lines[0].split()[-1] == "0"
    cmdlines: dict[int, list[str]] = {}
    table: list[str] = []
    in_cmdlines = False
    for line in lines[1:]:
        if line == "--cmdlines":
            in_cmdlines = True
        elif in_cmdlines:
            pid, _, words = line.partition(" ")
            if pid.isdigit():
                cmdlines[int(pid)] = [w for w in words.split("\x1f") if w]
        elif line.strip():
            table.append(line)
    out = []
    for line in table:
        m = _SS_LINE.match(line.strip())
        if not m:
            raise ParseError("listening_sockets: not an `ss -H -tulpn` line", line)
        proto, state, local, process = m[1], m[2], m[3], m[5] or ""
        if proto == "tcp" and state != "LISTEN":
            continue
        family, ip, port = split_address(local)
        owners = [(int(pid), name.replace('\\"', '"')) for name, pid in _OWNER.findall(process)] or [(None, None)]
        for pid, name in owners:
            entry: dict[str, Any] = {"proto": proto, "family": family, "ip": ip, "port": port, "pid": pid,
                                     "name": name}
            if pid is not None and port in SERVICE_PORTS:
                entry["cmdline"] = cmdlines.get(pid)
            out.append(entry)
    out.sort(key=lambda e: (e["port"], e["proto"], e["family"], e["ip"], e["pid"] or 0))
    return {"root": root, "sockets": out}


# ---- multipass_subnet, dnsmasq_leases: files of Multipass's network data dir ----------------------
def data_file_script(name: str) -> str:
    """sh printing the path, then ok/missing/denied, then the content of network/<name>."""
    return ('p="${MPDIAG_MULTIPASS_DATA:-' + SNAP_DATA + '}/network/' + name + '"; printf "%s\\n" "$p"; '
            'if [ ! -e "$p" ]; then echo missing; elif [ ! -r "$p" ]; then echo denied; '
            'else echo ok; cat "$p"; fi')


LINUX_SUBNET = data_file_script("multipass_subnet")


def data_file_from_sh(res: CommandResult, ctx: Any = None) -> dict[str, Any]:
    path, _, rest = res.text.partition("\n")
    status, _, content = rest.partition("\n")
    if not path or status not in ("ok", "missing", "denied"):
        raise ParseError("data file: expected the path, then ok/missing/denied", res.text[:200])
    if status == "missing":
        return {"path": path, "content": None, "error": "missing"}
    if status == "denied":
        return {"path": path, "content": None, "error": "permission denied (run as root)"}
    return {"path": path, "content": content, "error": None}


# ---- shell_proxy_env ---------------------------------------------------------------------------
_ENV_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def proxy_env_from_lines(res: CommandResult, ctx: Any = None) -> dict[str, str]:
    """`env` (or PowerShell's env: drive) as KEY=VALUE lines -> the proxy variables, masked."""
    from mpdiag.parse.proxy import proxies_of

    env = {}
    for line in res.text.splitlines():
        m = _ENV_LINE.match(line)
        if m:
            env[m[1]] = m[2]
    return proxies_of(env)


# ---- host_markers ----------------------------------------------------------------------------
# key=value lines, then each .wslconfig (WSL only) as "wslconfig=PATH" and its lines prefixed "|".
LINUX_MARKERS = (
    'f() { [ -e "$1" ] && echo 1 || echo 0; }; '
    'w=0; for p in /proc/sys/fs/binfmt_misc/WSLInterop /proc/sys/fs/binfmt_misc/WSLInterop-late; do '
    '[ -e "$p" ] && w=1; done; echo "wsl_interop=$w"; echo "wsl_distro=${WSL_DISTRO_NAME:-}"; '
    'r=$(cat /proc/sys/kernel/osrelease 2>/dev/null); echo "osrelease=$r"; '
    'echo "dockerenv=$(f /.dockerenv)"; echo "containerenv=$(f /run/.containerenv)"; '
    'echo "cap_bnd=$(sed -n "s/^CapBnd:[[:space:]]*//p" /proc/1/status 2>/dev/null)"; echo "kvm=$(f /dev/kvm)"; '
    'if [ "$w" = 1 ] || [ -n "${WSL_DISTRO_NAME:-}" ] || printf "%s" "$r" | grep -qi microsoft; then '
    'for c in /mnt/c/Users/*/.wslconfig; do [ -e "$c" ] || continue; '
    'echo "wslconfig=$c"; head -c 65536 "$c" 2>/dev/null | sed "s/^/|/"; done | head -n 4096; fi')
_MARKER_FLAGS = ("wsl_interop", "dockerenv", "containerenv", "kvm")


def markers_from_sh(res: CommandResult, ctx: Any = None) -> dict[str, Any]:
    """LINUX_MARKERS' lines -> the dict the host_markers call returns."""
    out: dict[str, Any] = {"wslconfigs": []}
    for line in res.text.splitlines():
        if line.startswith("|") and out["wslconfigs"]:
            current = out["wslconfigs"][-1]
            current["content"] = (current["content"] or "") + line[1:] + "\n"
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ParseError("host markers: expected key=value lines", res.text[:200])
        if key == "wslconfig":
            out["wslconfigs"].append({"path": value, "content": None})
        elif key in _MARKER_FLAGS:
            out[key] = value == "1"
        elif key in ("wsl_distro", "osrelease", "cap_bnd"):
            out[key] = value or None
    missing = [k for k in (*_MARKER_FLAGS, "osrelease") if k not in out]
    if missing:
        raise ParseError(f"host markers: no {', '.join(missing)} line", res.text[:200])
    return out


# ---- shell_session ---------------------------------------------------------------------------
def exec_true_argv(ctx: Any) -> list[str]:
    return exec_argv(validate_name(ctx.instance or ""), ["true"])


def session_from_exec(res: CommandResult, ctx: Any = None) -> dict[str, Any]:
    """What shell_session says where no pty exists: `multipass exec NAME -- true` worked or not."""
    return {"reached_prompt": res.rc == 0 and not res.timed_out, "method": "exec",
            "transcript": (res.text + res.error_text)[-4000:], "rc": res.rc, "seconds": round(res.duration, 3)}


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text or "null")
    except (json.JSONDecodeError, RecursionError):
        raise ParseError(f"{what}: not the JSON PowerShell prints", text[:200]) from None


def _fixed(argv: Sequence[str]) -> Argv:
    return lambda ctx: list(argv)


FORMS: dict[str, dict[str, CommandForm]] = {
    "processes": {
        "linux": CommandForm(_fixed(("sh", "-c", LINUX_PROCESSES)), processes_linux),
        "macos": CommandForm(_fixed(("ps", "-A", "-o", "pid=,comm=")), processes_macos),
        "windows": CommandForm(_fixed((*PS, WINDOWS_PROCESSES)), processes_windows),
    },
    "dns_gateway": {
        "linux": CommandForm(dig_argv, dns_from_dig),
        "macos": CommandForm(dig_argv, dns_from_dig),
        "windows": CommandForm(resolve_dns_argv, dns_from_resolve),
    },
    "listening_sockets": {"linux": CommandForm(_fixed(("sh", "-c", LINUX_SOCKETS)), sockets_from_ss)},
    "multipass_subnet": {"linux": CommandForm(_fixed(("sh", "-c", LINUX_SUBNET)), data_file_from_sh)},
    "dnsmasq_leases": {"linux": CommandForm(_fixed(("sh", "-c", data_file_script("dnsmasq.leases"))),
                                            data_file_from_sh)},
    "shell_proxy_env": {
        "linux": CommandForm(_fixed(("env",)), proxy_env_from_lines),
        "macos": CommandForm(_fixed(("env",)), proxy_env_from_lines),
        "windows": CommandForm(_fixed((*PS, 'Get-ChildItem env: | ForEach-Object { "$($_.Name)=$($_.Value)" }')),
                               proxy_env_from_lines),
    },
    "shell_session": {p: CommandForm(exec_true_argv, session_from_exec) for p in ("linux", "macos", "windows")},
    "host_markers": {"linux": CommandForm(_fixed(("sh", "-c", LINUX_MARKERS)), markers_from_sh)},
}
# dig exits 9 when no server answered: that is the probe's data (error "timeout"), not a failure
DATA_RCS = {"dns_gateway": frozenset({0, 9, 10}), "shell_session": None}  # None: any exit code is data


def form(probe: str, platform: str) -> CommandForm:
    """The command form of a Python-call probe on a remote host's platform; ProbeError if none."""
    try:
        return FORMS[probe][platform]
    except KeyError:
        raise ProbeError(f"probe {probe} is a Python call here and has no command form for a remote "
                         f"{platform} host") from None
