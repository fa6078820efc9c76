"""The model on macOS: the vmnet family of drivers, the live vmnet subnet, its bridge and gateway.

hyperkit (removed in 1.13) used the same vmnet bridge and bootpd as QEMU and AppleVZ, so
all three get the vmnet/bootpd checks; with the daemon down the driver cannot be asked and
the default (qemu) is assumed.
"""

from __future__ import annotations

from typing import Any

from mpdiag import platforms
from mpdiag.errors import NeedsPrivilege, NotRecorded
from mpdiag.host.rules import macos as facts
from mpdiag.host._multipass import NotApplicable, driver_or_none, listing
from mpdiag.parse.unavailable import Absent

FAMILY, DRIVERS = platforms.FAMILIES["macos"]
HYPERKIT_REMOVED = (1, 13, 0)


def driver(session: Any) -> str | None:
    return driver_or_none(session)


def family(session: Any) -> str:
    """With the daemon up, the driver decides (a driver that cannot be read is an error or a
    skip, as its probe says); with it down, the default (qemu) is assumed."""
    if session.get("multipass_version").daemon is None:
        return FAMILY
    name = session.get("multipass_driver")
    if name in ("qemu", "applevz"):
        return FAMILY
    if name == "hyperkit":
        number = session.get("multipass_version").number
        return FAMILY if number is None or number < HYPERKIT_REMOVED else "other"
    return "other"


def _optional(session: Any, name: str) -> Any:
    try:
        return session.get(name)
    except (NotRecorded, NeedsPrivilege):
        return None


def plist(session: Any) -> dict | None:
    """com.apple.vmnet.plist: {} when the domain does not exist, None when not recorded."""
    try:
        value = session.get("vmnet_plist")
    except NotRecorded:
        return None
    return {} if isinstance(value, Absent) else value


def vmnet(session: Any) -> facts.VmnetSubnet | None:
    """The live subnet: the vmnet bridge, else the plist (<= 1.16.1), else a Running instance's IP."""
    version = session.get("multipass_version")
    instances = []
    if version.daemon is not None:
        try:
            found = listing(session)
        except NotRecorded:
            found = None
        instances = found.instances if found is not None else []
    return facts.live_subnet(_optional(session, "ifconfig"), plist(session), instances, version.number)


def _vmnet_of_family(session: Any) -> facts.VmnetSubnet | None:
    if family(session) != FAMILY:
        raise NotApplicable(f"the driver is {driver(session)}: no vmnet subnet")
    from mpdiag import host

    return host.vmnet(session)


def subnet(session: Any):
    found = _vmnet_of_family(session)
    return found.network if found else None


def bridge(session: Any) -> str | None:
    found = _vmnet_of_family(session)
    return found.bridge if found else None


def gateway(session: Any) -> str | None:
    found = _vmnet_of_family(session)
    return str(found.gateway) if found and found.gateway else None


def vpn_interfaces(session: Any) -> list[str]:
    ifaces = _optional(session, "ifconfig") or {}
    return [i.name for i in facts.vpn_interfaces(ifaces)]
