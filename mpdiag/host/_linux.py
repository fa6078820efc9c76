"""The model on Linux (the QEMU driver): the Multipass bridges, their gateway and subnet.

The bridge and subnet come from `host_ip_addr` first; the `multipass_subnet` file only
tells the gateway a bridge without an address should have (or the bridge that should exist).
"""

from __future__ import annotations

from typing import Any

from mpdiag import platforms
from mpdiag.errors import CliFailed, NotRecorded, ParseError, ProbeError
from mpdiag.host.rules.linux import DEFAULT_BRIDGE, Bridge, bridge_from_link, gateway_of, multipass_bridges, subnet_from_file
from mpdiag.host._multipass import NotApplicable, driver_or_none

FAMILY, DRIVERS = platforms.FAMILIES["linux"]
NOT_INSTALLED = ("Multipass is not installed on this host (no `multipass` command and no mpqemubr bridge): "
                 "the Linux host checks do not apply")


def driver(session: Any) -> str | None:
    return driver_or_none(session)


def family(session: Any) -> str:
    name = driver(session)
    return FAMILY if name is None or name in DRIVERS else "other"


def multipass_installed(session: Any) -> bool:
    """False when the `multipass` command does not exist, live or as recorded (not recorded: NotRecorded)."""
    try:
        session.get("multipass_version")
    except CliFailed as exc:
        return not exc.missing
    except NotRecorded:
        raise
    except (ProbeError, ParseError):
        pass
    return True


def file_subnet(session: Any):
    """The `multipass_subnet` file's subnet, or None (missing, unreadable, not recorded)."""
    try:
        data = session.get("multipass_subnet")
    except (NotRecorded, ProbeError, ParseError):
        return None
    if not isinstance(data, dict) or not data.get("content"):
        return None
    try:
        return subnet_from_file(data["content"])
    except ParseError:
        return None


def bridges(session: Any) -> list[Bridge]:
    """The Multipass bridges, `mpqemubr0` first (without a link: the one `multipass_subnet` names).
    NotApplicable: Multipass not installed, another driver (lxd, libvirt), nothing to check on."""
    found = multipass_bridges(session.get("host_ip_addr"))
    if not found and not multipass_installed(session):
        raise NotApplicable(NOT_INSTALLED)
    name = driver(session)
    if name is not None and name not in DRIVERS:
        raise NotApplicable(f"driver is {name}: the QEMU bridge/dnsmasq/iptables checks do not apply "
                            "(lxd uses mpbr0, libvirt virbr0/mpvirtbr0)")
    from_file = file_subnet(session)
    out = [bridge_from_link(link, from_file) for link in found]
    if out and out[0].gateway is None and from_file is not None:
        out[0] = Bridge(out[0].name, gateway_of(from_file), out[0].link, "multipass_subnet")
    if not out:
        if from_file is None:
            raise NotApplicable("no mpqemubr bridge and no multipass_subnet file: nothing to check on "
                                "(see linux.bridge.up)")
        out = [Bridge(DEFAULT_BRIDGE, gateway_of(from_file), None, "multipass_subnet")]
    return out


def _first(session: Any) -> Bridge:
    from mpdiag import host

    return host.bridges(session)[0]


def subnet(session: Any):
    return _first(session).subnet


def bridge(session: Any) -> str | None:
    return _first(session).name


def gateway(session: Any) -> str | None:
    return _first(session).ip


def vpn_interfaces(session: Any) -> list[str]:
    return []
