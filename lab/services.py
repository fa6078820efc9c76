"""Daemons of the lab: dnsmasq (Multipass's, or bootpd/mDNSResponder stand-ins,
the fake internet's DNS, a rogue DHCP), port squatters, and the DHCP client.

Every daemon runs in the foreground of its own process so its pid is known
exactly (recorded under pids/), and is "ready" once it wrote its pid file
(dnsmasq does that only after binding its sockets) or failed with a message.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .netns import LabError, kill_pid, nsx, pid_alive, spawn, wait_for
from .state import LabState, forget_pid, read_pid, record_pid

LAB_DIR = Path(__file__).resolve().parent
UDHCPC_SCRIPT = LAB_DIR / "udhcpc.script"
SQUAT = LAB_DIR / "squat.py"
DHCP_TRIES = 2  # udhcpc discovers, 1 s apart: a missing server is detected in ~2 s

# ---- generic daemon handling ------------------------------------------------------


def start_daemon(st: LabState, name: str, ns: str, argv: list[str], ready_file: Path,
                 timeout: float = 5.0) -> int:
    """Start argv in ns as <name>; wait until ready_file exists; raise with its log on failure."""
    stop(st, name)
    ready_file.unlink(missing_ok=True)
    log = st.path("logs", f"{name}.out")
    p = spawn(ns, argv, log)
    ok = wait_for(lambda: ready_file.exists() or p.poll() is not None, timeout)
    if not ok or p.poll() is not None:
        if p.poll() is None:
            kill_pid(p.pid)
        rc = p.wait()
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        raise LabError(f"{name} failed to start in {ns} (rc {rc}): {' '.join(tail) or 'no output'}")
    record_pid(st.root, name, p.pid)
    return p.pid


def stop(st: LabState, name: str) -> None:
    """Kill the recorded process <name> (ours by construction) and forget it."""
    kill_pid(read_pid(st.root, name))
    forget_pid(st.root, name)


def alive(st: LabState, name: str) -> bool:
    return pid_alive(read_pid(st.root, name))


# ---- dnsmasq flavours -------------------------------------------------------------------

def _conf(st: LabState, name: str, lines: list[str]) -> Path:
    p = st.path("conf", f"{name}.conf")
    p.write_text("\n".join(lines) + "\n")
    return p


def multipass_dnsmasq_argv(st: LabState, mode: str = "normal") -> list[str]:
    """Multipass 1.16's dnsmasq command line (linux layout) plus forwarding upstream.

    mode: normal | dhcp-only (--port=0: DNS off, used by dns-stop) |
          dns-only (no --dhcp-range: DHCP off, used by dhcp-stop/dhcp-rogue).
    """
    net = st.path("data", "network")
    p = st.subnet_prefix
    conf = _conf(st, "dnsmasq-multipass", [
        "# lab additions; Multipass also passes its own --conf-file",
        "user=root", "no-hosts", "no-ping", "log-queries", "log-dhcp",  # no-ping: offer at once (speed)
        f"pid-file={st.path('run', 'dnsmasq.pid')}",
        f"log-facility={st.path('logs', 'dnsmasq.log')}",
    ])
    argv = ["dnsmasq", "--keep-in-foreground", "--strict-order", "--bind-interfaces",
            "--domain=multipass", "--local=/multipass/", "--except-interface=lo",
            f"--interface={st.bridge}", f"--listen-address={st.gateway}",
            "--dhcp-no-override", "--dhcp-ignore-clid", "--dhcp-authoritative",
            f"--dhcp-leasefile={net}/dnsmasq.leases", f"--dhcp-hostsfile={net}/dnsmasq.hosts"]
    if mode != "dns-only":
        argv += ["--dhcp-range", f"{p}.2,{p}.254,infinite"]
    argv += [f"--server={st.external_dns}", "--no-resolv", f"--conf-file={conf}"]
    if mode == "dhcp-only":
        argv.append("--port=0")
    return argv


def start_multipass_dnsmasq(st: LabState, mode: str = "normal") -> int:
    """(Re)start the linux layout's single dnsmasq (DHCP + DNS on the bridge)."""
    return start_daemon(st, "dnsmasq", st.host_ns, multipass_dnsmasq_argv(st, mode),
                        st.path("run", "dnsmasq.pid"))


def start_host_dns(st: LabState) -> int:
    """macos layout: DNS-only dnsmasq on the gateway (the mDNSResponder stand-in)."""
    conf = _conf(st, "host-dns", [
        "port=53", f"listen-address={st.gateway}", "bind-interfaces", "no-resolv", "no-hosts",
        "user=root", f"server={st.external_dns}", "log-queries",
        f"log-facility={st.path('logs', 'host-dns.log')}", f"pid-file={st.path('run', 'host-dns.pid')}",
    ])
    return start_daemon(st, "host-dns", st.host_ns, ["dnsmasq", "--keep-in-foreground", f"--conf-file={conf}"],
                        st.path("run", "host-dns.pid"))


def start_host_dhcp(st: LabState) -> int:
    """macos layout: DHCP-only dnsmasq on the bridge (the bootpd stand-in)."""
    p = st.subnet_prefix
    conf = _conf(st, "host-dhcp", [
        "port=0", f"interface={st.bridge}", "bind-interfaces", "user=root",
        f"dhcp-range={p}.2,{p}.254,255.255.255.0,1h",
        f"dhcp-option=option:router,{st.gateway}", f"dhcp-option=option:dns-server,{st.gateway}",
        "dhcp-authoritative", "no-ping", f"dhcp-leasefile={st.path('data', 'host-dhcp.leases')}",
        "log-dhcp", f"log-facility={st.path('logs', 'host-dhcp.log')}",
        f"pid-file={st.path('run', 'host-dhcp.pid')}",
    ])
    return start_daemon(st, "host-dhcp", st.host_ns, ["dnsmasq", "--keep-in-foreground", f"--conf-file={conf}"],
                        st.path("run", "host-dhcp.pid"))


def start_net_dns(st: LabState, intercept: bool = False) -> int:
    """The fake internet's DNS (198.51.100.53); intercept=True answers 198.18.0.42 for every name."""
    records = ([f"address=/#/{st.intercept_answer}"] if intercept else
               [f"host-record={st.probe_name},{st.probe_answer}",
                f"host-record=www.{st.probe_name},{st.probe_answer}",
                f"host-record=ext.mp.test,{st.external_ip}",
                f"host-record={st.image_host},{st.image_ip}",
                f"host-record=proxy.mp.test,{st.proxy_ip}"])
    conf = _conf(st, "net-dns", [
        "port=53", f"listen-address={st.external_dns}", "bind-interfaces", "no-resolv", "no-hosts",
        "user=root", *records, "log-queries",
        f"log-facility={st.path('logs', 'net-dns.log')}", f"pid-file={st.path('run', 'net-dns.pid')}",
    ])
    return start_daemon(st, "net-dns", st.net_ns, ["dnsmasq", "--keep-in-foreground", f"--conf-file={conf}"],
                        st.path("run", "net-dns.pid"))


def start_rogue_dhcp(st: LabState, instance: str) -> int:
    """A rogue DHCP server inside another instance: .150-.160, router and DNS .99."""
    p = st.subnet_prefix
    conf = _conf(st, "rogue-dhcp", [
        "port=0", "interface=eth0", "bind-interfaces", "user=root",
        f"dhcp-range={p}.150,{p}.160,255.255.255.0,1h",
        f"dhcp-option=option:router,{p}.99", f"dhcp-option=option:dns-server,{p}.99",
        "dhcp-authoritative", "no-ping", f"dhcp-leasefile={st.path('data', 'rogue-dhcp.leases')}",
        "log-dhcp", f"log-facility={st.path('logs', 'rogue-dhcp.log')}",
        f"pid-file={st.path('run', 'rogue-dhcp.pid')}",
    ])
    return start_daemon(st, "rogue-dhcp", st.instances[instance].netns,
                        ["dnsmasq", "--keep-in-foreground", f"--conf-file={conf}"], st.path("run", "rogue-dhcp.pid"))


def try_start(st: LabState, starter, *args) -> str | None:
    """Start a server that is expected to fail (squatted port); return its error, None if it started."""
    try:
        starter(st, *args)
    except LabError as e:
        with st.path("logs", "expected-failures.log").open("a") as f:
            f.write(f"{e}\n")
        return str(e)
    return None


# ---- squatters --------------------------------------------------------------------------

def start_squatter(st: LabState, label: str, comm: str, addr: str, port: int) -> int:
    """A process named comm (e.g. dnscrypt-proxy) holding addr:port in mp-host."""
    ready = st.path("run", f"{label}.ready")
    return start_daemon(st, label, st.host_ns, [sys.executable, str(SQUAT), comm, addr, str(port), str(ready)],
                        ready)


# ---- DHCP client ---------------------------------------------------------------------------

def _addr_prefix(ns: str, ip: str) -> int | None:
    out = nsx(ns, ["ip", "-j", "-4", "addr", "show", "dev", "eth0"], check=False).stdout
    for link in json.loads(out or "[]"):
        for a in link.get("addr_info", []):
            if a.get("local") == ip:
                return int(a["prefixlen"])
    return None


def dhcp(st: LabState, names: list[str], tries: int = DHCP_TRIES) -> dict[str, str | None]:
    """Re-run real DHCP (udhcpc) on instances in parallel; no lease -> no IPv4.

    The previous DHCP address and default route are dropped first, so the
    instance's state reflects the server as it is now. Aliases stay.
    """
    procs: dict[str, subprocess.Popen] = {}
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "MPLAB_STATE": str(st.root)}
    for n in names:
        inst = st.instances[n]
        if inst.ip and (plen := _addr_prefix(inst.netns, inst.ip)) is not None:
            nsx(inst.netns, ["ip", "addr", "del", f"{inst.ip}/{plen}", "dev", "eth0"], check=False)
        nsx(inst.netns, ["ip", "route", "del", "default"], check=False)
        for ext in ("ip", "server"):
            st.path("leases", f"{inst.netns}.{ext}").unlink(missing_ok=True)
        log = open(st.path("logs", f"{inst.netns}.dhcp.log"), "ab")
        procs[n] = subprocess.Popen(
            ["ip", "netns", "exec", inst.netns, "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", str(tries),
             "-T", "1", "-x", f"hostname:{n}", "-s", str(UDHCPC_SCRIPT)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env={**env, "MPLAB_NS": inst.netns})
        log.close()
    result: dict[str, str | None] = {}
    for n, p in procs.items():
        try:
            p.wait(timeout=tries + 5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        inst = st.instances[n]
        ipf, srv = st.path("leases", f"{inst.netns}.ip"), st.path("leases", f"{inst.netns}.server")
        inst.ip = ipf.read_text().strip() if ipf.exists() else None
        inst.dhcp_server = srv.read_text().strip() or None if srv.exists() else None
        result[n] = inst.ip
    return result
