"""The host model: what the suite knows about the host and its instances, derived from probes.

One public API over a :class:`~mpdiag.probes.ProbeSession`, a private module per platform
(`_macos`, `_windows`, `_linux`) and one for the instance side (`_instance`), picked once
from the session's platform, as psutil does. Every value is a *derived fact*: computed
from probes only, memoised in the session by name (with the probes it read), never
written by a check, a fixture or a report. So a check run alone answers as it does in
the whole suite, and the triage, diagnosis.json's environment and every report (and
`--compare`, from any session) read the same values.

One home for what is derived from probes, in two layers (decided with #10):

- the *model* (this module and its private `_macos`, `_windows`, `_linux`, `_instance`,
  `_multipass`): session-aware facts, memoised by name, that read probes;
- the *rules* (:mod:`mpdiag.host.rules`, formerly `mpdiag/facts/`): pure functions of
  parsed data that say what it means (the vmnet subnet from ifconfig, the iptables walk,
  the log signatures, a DHCP exchange's verdict). They take no session, so the model,
  the checks, compare and the parser selftests call them with the same data; a value a
  check and a report both need is a model fact built on them, never re-derived.
  Text-to-data code belongs in mpdiag/parse/ (a rule module keeps a parser only where it
  is the rules' own input format: logs.parse_events).

A fact that cannot be had raises what a probe raises (NotRecorded, NeedsPrivilege,
ProbeError, ParseError: the check skips or errors) or :class:`NotApplicable` with the
reason (the check skips, saying it).
"""

from __future__ import annotations

import importlib
import ipaddress
from types import ModuleType
from typing import Any

from mpdiag import platforms
from mpdiag.errors import CliFailed, DiagError
from mpdiag.host import _instance, _multipass, _networking
from mpdiag.host._multipass import NotApplicable, Listing
from mpdiag.host._instance import MAX_LOSS_PERCENT, Target
from mpdiag.parse.multipass import Instance, Version

__all__ = [
    "NotApplicable", "Listing", "Target", "FAMILIES", "MAX_LOSS_PERCENT",
    "version", "daemon_up", "driver", "family", "require_family", "listing", "instances",
    "target", "subnet", "bridge", "gateway", "vpn_interfaces", "environment",
    "vmnet", "vmnet_plist", "switch_address", "bridges", "instance_gateway", "instance_subnet",
    "launch_failure", "instance_listed", "instance_ip", "primary_link", "gateway_problem", "internet_problem", "remedy_facts", "os_version",
    "bridged_network", "networks", "instance_bridged", "bridging_in_use", "zones", "zone_collisions", "ip_evidence",
]

# The drivers whose host networking a platform's checks cover (checks.md, the driver family).
FAMILIES: dict[str, str] = {family: ", ".join(drivers) for family, drivers in platforms.FAMILIES.values()}


def _module(platform: str) -> ModuleType:
    """A platform's private module, imported when first asked for: a session reads its own
    platform's only (another's costs its start-up a few hundredths of a second)."""
    if platform not in platforms.FAMILIES:
        raise KeyError(platform)
    return importlib.import_module(f"mpdiag.host._{platform}")


def _platform(session: Any) -> ModuleType:
    return _module(session.platform)


def _fact(session: Any, name: str, compute) -> Any:
    return session.fact(name, lambda: compute(session))


# ---- Multipass itself -----------------------------------------------------------------------

def version(session: Any) -> Version:
    """`multipass version` (raises what the probe raises)."""
    return session.get("multipass_version")


def daemon_up(session: Any) -> bool:
    """multipassd answered `multipass version`."""
    return version(session).daemon is not None


def driver(session: Any) -> str | None:
    """`multipass get local.driver`; None when it cannot be asked (the platform's default applies)."""
    return _fact(session, "driver", _platform(session).driver)


def family(session: Any) -> str:
    """The driver family this platform's checks cover (`vmnet`, `hyperv`, `qemu`), or `other`."""
    return _fact(session, "family", _platform(session).family)


def require_family(session: Any) -> str:
    """The family, or NotApplicable saying which driver this is and what the checks cover."""
    fam = family(session)
    if fam == "other":
        mod = _platform(session)
        raise NotApplicable(f"the driver is {driver(session)}, not one of the {mod.FAMILY} family "
                            f"({', '.join(mod.DRIVERS)}): the guide's {mod.FAMILY} checks do not apply "
                            "(`multipass get local.driver`)")
    return fam


def listing(session: Any) -> Listing:
    """What `multipass list` said: the instances, or the daemon's own words when it failed."""
    return _fact(session, "listing", _multipass.listing)


def instances(session: Any) -> list[Instance]:
    """Every instance; NotApplicable when multipassd does not answer (nothing to list)."""
    return _fact(session, "instances", _multipass.instances)


def target(session: Any) -> Target:
    """The instance the in-instance checks look at (launched, `--instance`, a Running
    `primary`, or the bundle's), or NotApplicable with how to pick one."""
    return _fact(session, "target", _instance.target)


# ---- the network ----------------------------------------------------------------------------

def subnet(session: Any) -> ipaddress.IPv4Network | None:
    """The instances' live subnet as the host shows it (None: nothing tells)."""
    return _fact(session, "subnet", _platform(session).subnet)


def bridge(session: Any) -> str | None:
    """The host interface of the instances' subnet (vmnet bridgeN, mpqemubr0; None on Windows)."""
    return _fact(session, "bridge", _platform(session).bridge)


def gateway(session: Any) -> str | None:
    """The host's address on the instances' subnet: what DHCP should hand out as the router."""
    return _fact(session, "gateway", _platform(session).gateway)


def vpn_interfaces(session: Any) -> list[str]:
    """VPN interfaces that are up with an IPv4 (macOS utunN...; [] where the model cannot tell)."""
    return _fact(session, "vpn_interfaces", _platform(session).vpn_interfaces)


def vmnet(session: Any):
    """macOS: the live vmnet subnet with its bridge, gateway and source (VmnetSubnet), or None."""
    return _fact(session, "vmnet", _module("macos").vmnet)


def vmnet_plist(session: Any) -> dict | None:
    """macOS: com.apple.vmnet.plist ({} when the domain does not exist, None when not recorded)."""
    return _fact(session, "vmnet_plist", _module("macos").plist)


def switch_address(session: Any) -> ipaddress.IPv4Interface | None:
    """Windows: the Default Switch adapter's usable IPv4 with its prefix, or None."""
    return _fact(session, "switch_address", _module("windows").switch_address)


def bridges(session: Any):
    """Linux: the Multipass bridges (list of Bridge, at least one), or NotApplicable saying why not."""
    return _fact(session, "bridges", _module("linux").bridges)


# ---- Multipass's own networking: bridged networks, zones, an instance's current address ---------

def bridged_network(session: Any) -> str | None:
    """`local.bridged-network`, None when empty; NotApplicable while multipassd does not answer."""
    return _fact(session, "bridged_network", _networking.bridged_network)


def networks(session: Any):
    """`multipass networks` (list of Network); NotApplicable on a backend without bridging."""
    return _fact(session, "networks", _networking.networks)


def instance_bridged(session: Any, name: str) -> bool:
    """`local.<name>.bridged` (1.14+; NotApplicable before)."""
    return session.fact(f"instance_bridged/{name}", lambda: _networking.instance_bridged(session, name))


def bridging_in_use(session: Any) -> str | None:
    """Why bridged networking is configured (the setting, a bridged instance), or None."""
    return _fact(session, "bridging_in_use", _networking.bridging_in_use)


def zones(session: Any):
    """The availability zones (main); NotApplicable where `multipass zones` does not exist."""
    return _fact(session, "zones", _networking.zones)


def zone_collisions(session: Any):
    """Zones whose subnet another interface or a route as specific collides with (list of Collision)."""
    return _fact(session, "zone_collisions", _networking.zone_collisions)


def ip_evidence(session: Any, name: str):
    """The host's own record of the instance's current IPv4 (Evidence), or NotApplicable."""
    return session.fact(f"ip_evidence/{name}", lambda: _networking.ip_evidence(session, name))


# ---- the target instance's side --------------------------------------------------------------

def instance_gateway(session: Any) -> str | None:
    """The target instance's gateway: its default route (Windows: the Default Switch's address)."""
    return _fact(session, "instance_gateway", _instance.gateway)


def launch_failure(session: Any) -> CliFailed | None:
    """Why this session's `multipass launch` did not succeed (timed out, or the CLI's words),
    None when it did; NotRecorded when there was no launch."""
    return _fact(session, "launch_failure", _instance.launch_failure)


def instance_listed(session: Any) -> Instance | None:
    """The target as `multipass list` shows it (None: absent); raises what the probe raises."""
    return _fact(session, "instance_listed", _instance.listed)


def instance_ip(session: Any) -> str | None:
    """The target's management IPv4 as Multipass reports it (None: none, or unknown)."""
    return _fact(session, "instance_ip", _instance.management_ip)


def primary_link(session: Any):
    """The target's interface carrying its management address / default route (iproute.Link)."""
    return _fact(session, "primary_link", _instance.primary_link)


def gateway_problem(session: Any, definite: bool = False) -> str | None:
    """Why the target's gateway does not answer, None when it does or cannot be told."""
    return session.fact(f"gateway_problem/{definite}", lambda: _instance.gateway_problem(session, definite))


def internet_problem(session: Any, definite: bool = False) -> str | None:
    """Why the external IP does not answer the target well enough, None when it does or cannot be told."""
    return session.fact(f"internet_problem/{definite}", lambda: _instance.internet_problem(session, definite))


def instance_subnet(session: Any) -> ipaddress.IPv4Network | None:
    """The live subnet, else the target instance's own interface network."""
    return _fact(session, "instance_subnet", _instance.subnet)


def _quiet(fn, session: Any) -> Any:
    try:
        return fn(session)
    except DiagError:
        return None


def remedy_facts(session: Any, instance_side: bool = False) -> dict[str, str]:
    """The placeholders every remedy may use, from the model: instance, subnet, bridge (an
    in-instance check's subnet may come from the instance itself)."""
    out = {}
    t = _quiet(target, session)
    if t is not None:
        out["instance"] = t.name
    for key, fn in (("subnet", instance_subnet if instance_side else subnet), ("bridge", bridge)):
        value = _quiet(fn, session)
        if value is not None:
            out[key] = str(value)
    return out


def os_version(session: Any) -> str | None:
    """The OS and version (sw_vers on macOS; this host live; the bundle's manifest in replay)."""
    return _multipass.os_version(session)


def environment(session: Any) -> dict[str, Any]:
    """What the reports show first (diagnosis.json's `environment`): one function, the model's."""
    ver = _quiet(version, session)
    t = _quiet(target, session)
    net = _quiet(subnet, session)
    return {
        "os": os_version(session),
        "multipass": ver.client if ver else None,
        "multipassd": ver.daemon if ver else None,
        "driver": _quiet(driver, session),
        "subnet": str(net) if net is not None else None,
        "instance": t.name if t is not None else None,
        "mode": session.mode,
    }
