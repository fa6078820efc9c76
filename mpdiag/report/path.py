"""The path model: the hops from an instance to the internet, their real names and
addresses, and which checks test each hop (so each can be coloured by their outcomes).

Input: the diagnosis record only (`environment` and `checks`). The environment fields
read here: `platform` (top level), `driver`, `subnet`, `instance`, `bridge`, `gateway`,
`instances` ([{name, ipv4, state}]), `uplink` ({name, kind, address}), `vpn_interfaces`,
`dhcp_server`, `dns_server`, `nat` (see mpdiag/diagnosis.py `path_environment`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# (pattern on the check ID, the hops it tests): every rule that matches applies
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"^instance\.(state|launch\.gets_ip|shell|arp|bridged)", ("instance",)),
    (r"^macos\.privacy\.", ("instance",)),
    (r"^windows\.hyperv\.", ("instance",)),
    (r"^instance\.launch\.dhcp_exchange", ("dhcp",)),
    (r"^instance\.net\.ping_gateway", ("bridge",)),
    (r"^(macos\.vmnet\.(bridge_exists|subnet_in_192_168)|linux\.bridge\.|windows\.switch\.)", ("bridge",)),
    (r"^(macos\.(firewall|dhcp)\.|macos\.vmnet\.leases_match_subnet|linux\.firewall\.dhcp_allowed)", ("dhcp",)),
    (r"^linux\.(dnsmasq\.serving|ports\.exclusive)$", ("dhcp", "dns")),
    (r"^windows\.ics\.service$", ("dhcp", "dns", "routing")),
    (r"^windows\.ics\.(hosts|name)", ("dns",)),
    (r"^(macos\.dns\.|macos\.interference\.dns_tools|instance\.dns\.(gateway|resolver))", ("dns",)),
    (r"^(macos\.route\.|macos\.vmnet\.subnet_collision|linux\.(firewall\.forward|sysctl)|windows\.portproxy)",
     ("routing",)),
    (r"\.zones\.", ("routing",)),
    (r"^(macos\.interference\.vpn_clients|instance\.net\.path_mtu)", ("uplink",)),
    (r"^instance\.(net\.(ping_external|https_external)|dns\.(external|answers_sane))", ("internet",)),
)
ORDER = ("daemon", "instance", "bridge", "dhcp", "dns", "routing", "uplink", "internet")
SERVICES = {  # what Multipass's own setup uses on each platform, when the environment does not say
    "macos": {"bridge": "vmnet bridge", "dhcp": "bootpd", "dns": "mDNSResponder", "nat": "pf NAT (Internet Sharing)"},
    "windows": {"bridge": "vEthernet (Default Switch)", "dhcp": "ICS (SharedAccess)", "dns": "ICS (SharedAccess)",
                "nat": "ICS NAT"},
    "linux": {"bridge": "mpqemubr0", "dhcp": "dnsmasq", "dns": "dnsmasq", "nat": "iptables MASQUERADE"},
}


@dataclass
class Hop:
    """One hop of the path: its role, its labels, the checks that test it and their verdict."""

    key: str
    title: str
    labels: list[str] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def state(self) -> str:
        """`failed`, `error` (a check could not run), `passed`, or `untested`."""
        live = [c for c in self.checks if not c.get("muted")]
        outcomes = {c.get("outcome") for c in live}
        if "failed" in outcomes:
            return "failed"
        if outcomes & {"passed", "warned"}:
            return "passed"
        if "error" in outcomes:
            return "error"
        return "untested"

    @property
    def warned(self) -> bool:
        return any(c.get("outcome") == "warned" for c in self.checks)

    def failing(self) -> list[str]:
        return [c["id"] for c in self.checks if c.get("outcome") == "failed" and not c.get("muted")]


def hops_of(check_id: str) -> tuple[str, ...]:
    """The hops a check tests; the daemon (control side) when no rule matches."""
    found: list[str] = []
    for pattern, hops in RULES:
        if re.search(pattern, check_id):
            found += [h for h in hops if h not in found]
    return tuple(found) or ("daemon",)


def _instances(env: dict[str, Any]) -> list[str]:
    out = []
    for inst in env.get("instances") or ():
        ip = inst.get("ipv4") or "no IPv4"
        out.append(f"{inst.get('name')} {ip}" + (f" ({inst['state']})" if inst.get("state") not in (None, "Running") else ""))
    if not out and env.get("instance"):
        out.append(str(env["instance"]))
    return out or ["no instance seen"]


def _uplinks(env: dict[str, Any]) -> list[str]:
    out = []
    up = env.get("uplink") or {}
    if up.get("name"):
        kind = "VPN" if up.get("kind") == "vpn" else "LAN"
        where = f" {up['address']}" if up.get("address") else ""
        out.append(f"{up['name']}{where} ({kind})")
    for v in env.get("vpn_interfaces") or ():
        if v != up.get("name"):
            out.append(f"{v} (VPN)")
    return out or ["default route unknown"]


def build(doc: dict[str, Any]) -> list[Hop]:
    """The hops, in the order the picture draws them, each with its checks."""
    env = doc.get("environment") or {}
    platform = doc.get("platform") or ""
    svc = {**SERVICES.get(platform, {}), **{k: env[f"{k}_server"] for k in ("dhcp", "dns") if env.get(f"{k}_server")}}
    if env.get("nat"):
        svc["nat"] = env["nat"]
    gateway = env.get("gateway")
    versions = ", ".join(str(v) for v in (env.get("multipassd") or env.get("multipass"),) if v)
    hops = {
        "daemon": Hop("daemon", "Multipass daemon", [" \u00b7 ".join(x for x in (
            f"multipassd {versions}" if versions else "multipassd", env.get("driver")) if x)]),
        "instance": Hop("instance", "Instances", _instances(env)),
        "bridge": Hop("bridge", "Bridge and gateway", [env.get("bridge") or svc.get("bridge", "bridge"),
                                                       f"gateway {gateway}" if gateway else "",
                                                       f"subnet {env['subnet']}" if env.get("subnet") else ""]),
        "dhcp": Hop("dhcp", "DHCP", [svc.get("dhcp", "DHCP server"), f"on {gateway}:67" if gateway else ""]),
        "dns": Hop("dns", "DNS", [svc.get("dns", "DNS server"), f"on {gateway}:53" if gateway else ""]),
        "routing": Hop("routing", "Host routes and NAT", ["the subnet's route", svc.get("nat", "NAT")]),
        "uplink": Hop("uplink", "Uplink", _uplinks(env)),
        "internet": Hop("internet", "Internet", ["external IP and DNS"]),
    }
    for c in doc.get("checks") or ():
        for key in hops_of(c.get("id") or ""):
            hops[key].checks.append(c)
    for h in hops.values():
        h.labels = [x for x in h.labels if x]
    return [hops[k] for k in ORDER]
