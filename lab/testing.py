"""Helpers for tests that drive the lab: availability, pings, digs, observations."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor

from .api import Lab
from .topology import TOOLS


def unavailable_reason() -> str | None:
    """Why the lab cannot run here (None: it can): needs root, the tools and `ip netns add`."""
    if os.geteuid() != 0:
        return "the lab needs root"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return f"missing tools: {' '.join(missing)}"
    probe = f"mplab-probe-{os.getpid()}"
    cp = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if cp.returncode != 0:
        return f"`ip netns add` does not work here: {cp.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def ping(lab: Lab, where: str, ip: str, count: int = 1, wait: float = 0.5) -> bool:
    """One fast ping (answers here take well under a millisecond; a miss costs `wait` s)."""
    return lab.run_in(where, ["ping", "-n", "-q", "-c", str(count), "-W", str(wait), ip]).returncode == 0


def dig(lab: Lab, where: str, server: str | None, name: str | None = None) -> tuple[str | None, str]:
    """(first A record or None, dig's output) for `dig [@server] name` with 1 s / 1 try."""
    name = name or lab.state.probe_name
    argv = ["dig", "+time=1", "+tries=1", *([f"@{server}"] if server else []), name, "A"]
    out = lab.run_in(where, argv, timeout=10).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5 and not line.startswith(";") and f[3] == "A":
            return f[4], out
    return None, out


def observe(lab: Lab, where: str = "primary") -> dict[str, bool | str | None]:
    """The recipe's four probes, in parallel: G ping gateway, X ping external,
    D1 dig @gateway, D2 dig @external DNS (answers, or None)."""
    st = lab.state
    with ThreadPoolExecutor(4) as ex:
        g = ex.submit(ping, lab, where, st.gateway)
        x = ex.submit(ping, lab, where, st.external_ip)
        d1 = ex.submit(dig, lab, where, st.gateway)
        d2 = ex.submit(dig, lab, where, st.external_dns)
        return {"G": g.result(), "X": x.result(), "D1": d1.result()[0], "D2": d2.result()[0]}


def listeners(lab: Lab, port: int, where: str = "host") -> str:
    """`ss -lnp` lines for udp/tcp sport PORT in a lab namespace (who owns the port)."""
    return lab.run_in(where, ["ss", "-H", "-lunpt", f"sport = :{port}"]).stdout


def loss_percent(lab: Lab, where: str, ip: str, count: int = 40) -> float:
    out = lab.run_in(where, ["ping", "-n", "-q", "-c", str(count), "-i", "0.01", "-W", "1", ip]).stdout
    m = re.search(r"([\d.]+)% packet loss", out)
    return float(m.group(1)) if m else 100.0
