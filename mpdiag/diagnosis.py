"""`reports/diagnosis.json` and the triage: the problem class to look at first, and why.

Pure: built from the check records the pytest side collects.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from mpdiag import catalog, known_issues

FORMAT = 1
PROBLEM = ("failed",)


def triage(checks: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The earliest problem class (generic, routing, dns, arp) with a failure, its first failing
    check in the guide's order, and that check's first step. None when nothing failed."""
    failing = sorted((c for c in checks if c["outcome"] in PROBLEM and not c.get("muted")),
                     key=lambda c: catalog.order(c["id"]))
    if not failing:
        return None
    first = failing[0]
    remedy = first.get("remedy") or {}
    step = remedy.get("commands", [None])[0] if remedy.get("commands") else remedy.get("title")
    return {
        "problem_class": first["problem_class"],
        "check": first["id"],
        "first_step": step or remedy.get("title") or "",
        "failing": [c["id"] for c in failing],
        "doc": remedy.get("doc"),
    }


def build(checks: list[dict[str, Any]], *, platform: str, mode: str, started: str, duration_s: float,
          environment: dict[str, Any], host: str | None = None) -> dict[str, Any]:
    """The diagnosis document, checks in the guide's order (unknown IDs last); `host` is the
    run's host label (a fleet summary merges runs by it)."""
    ordered = sorted(checks, key=lambda c: catalog.order(c["id"]) if c["id"] in catalog.BY_ID else (9, 0))
    return {
        "format": FORMAT,
        "host": host,
        "platform": platform,
        "mode": mode,
        "started": started,
        "duration_s": round(duration_s, 3),
        "environment": environment,
        "checks": ordered,
        "triage": triage(ordered),
        "known_issues": known_issues.match(ordered, platform, environment or {}),
    }


def muted(checks: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Muted checks that failed or errored: shown as muted, ignored by the triage and the exit status."""
    return [c for c in checks if c.get("muted") and c["outcome"] in ("failed", "error")]


def tally(doc: dict[str, Any]) -> dict[str, int]:
    """Outcome -> count; muted failures and errors count as `muted`, not as their outcome."""
    counts: dict[str, int] = {}
    for c in doc["checks"]:
        key = "muted" if c.get("muted") and c["outcome"] in ("failed", "error") else c["outcome"]
        counts[key] = counts.get(key, 0) + 1
    return counts


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """The terminal triage block (also the HTML report's summary)."""
    t = doc["triage"]
    counts = tally(doc)
    text = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    quiet = muted(doc["checks"])
    tail = ["  muted (not counted): " + ", ".join(f"{c['id']} ({c['outcome']})" for c in quiet)] if quiet else []
    if t is None:
        errors = sum(1 for c in doc["checks"] if c["outcome"] == "error" and not c.get("muted"))
        head = "no problem found" if not errors else f"no problem found, but {errors} check(s) could not run"
        return [f"Multipass network doctor: {head} ({text})", *tail]
    lines = [f"Multipass network doctor: {t['problem_class']} problem ({text})",
             "  failing, in the guide's order: " + ", ".join(t["failing"]),
             f"  first step ({t['check']}): {t['first_step']}"]
    if t.get("doc"):
        lines.append(f"  guide: {t['doc']}")
    lines += ["  " + known_issues.line(k) for k in doc.get("known_issues") or ()]
    return lines + tail


def path_environment(get: Callable[[str], Any], platform: str) -> dict[str, Any]:
    """The facts the path picture draws, from parsed probes: `bridge`, `gateway`,
    `instances` ([{name, ipv4, state}]), `uplink` ({name, kind, address, default}),
    `vpn_interfaces`. `get(name)` returns a probe's parsed value or None (the reports call
    it with the probes the run already made: drawing the picture runs nothing).

    The one place these fields are made: the host model (mpdiag/host/) can feed them."""
    env: dict[str, Any] = {"bridge": None, "gateway": None, "instances": [], "uplink": None, "vpn_interfaces": []}
    for inst in _safe_list(get("multipass_list")):
        env["instances"].append({"name": getattr(inst, "name", None), "state": getattr(inst, "state", None),
                                 "ipv4": (getattr(inst, "ipv4", None) or (None,))[0]})
    try:
        if platform == "macos":
            _macos_path(get, env)
        elif platform == "linux":
            _linux_path(get, env)
        elif platform == "windows":
            _windows_path(get, env)
    except (AttributeError, TypeError, ValueError, IndexError, KeyError):
        pass  # a shape the picture does not know: the hop says "unknown", the checks still stand
    return env


def _safe_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _macos_path(get: Callable[[str], Any], env: dict[str, Any]) -> None:
    from mpdiag.host.rules import macos

    ifaces = get("ifconfig") or {}
    bridges = macos.vmnet_bridges(ifaces) if ifaces else []
    if bridges:
        env["bridge"] = bridges[0].name
        env["gateway"] = str(bridges[0].inet[0].ip)
    env["vpn_interfaces"] = [i.name for i in macos.vpn_interfaces(ifaces)] if ifaces else []
    default = next((r for r in _safe_list(get("netstat_routes"))
                    if r.destination == "default" and not r.netif.startswith("bridge") and "I" not in r.flags), None)
    if default is not None:
        iface = ifaces.get(default.netif)
        env["uplink"] = {"name": default.netif, "default": True,
                         "kind": "vpn" if macos.is_vpn_interface(default.netif) else "lan",
                         "address": str(iface.inet[0].ip) if iface is not None and iface.inet else None}


def _linux_path(get: Callable[[str], Any], env: dict[str, Any]) -> None:
    from mpdiag.host.rules import linux

    links = get("host_ip_addr") or {}
    bridges = linux.multipass_bridges(links) if links else []
    if bridges:
        env["bridge"] = bridges[0].name
        env["gateway"] = str(bridges[0].addresses[0].ip) if bridges[0].addresses else None
    names = {b.name for b in bridges}
    others = [lk for lk in links.values() if lk.name not in names and lk.name != "lo" and lk.addresses
              and not lk.master and not lk.name.startswith(("docker", "virbr", "veth", "tap"))]
    if others:
        vpn = others[0].name.startswith(("tun", "wg", "ppp", "tailscale"))
        env["uplink"] = {"name": others[0].name, "kind": "vpn" if vpn else "lan", "default": False,
                         "address": str(others[0].addresses[0].ip)}
    env["vpn_interfaces"] = [lk.name for lk in others if lk.name.startswith(("tun", "wg", "ppp", "tailscale"))]


def _windows_path(get: Callable[[str], Any], env: dict[str, Any]) -> None:
    addrs = [a for a in _safe_list(get("default_switch_ip")) if isinstance(a, dict)]
    if addrs:
        env["bridge"] = addrs[0].get("InterfaceAlias") or "vEthernet (Default Switch)"
        env["gateway"] = addrs[0].get("IPAddress") or addrs[0].get("IPv4Address")
