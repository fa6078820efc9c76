"""The model on Windows: the Hyper-V family (hyperv, and the HCS driver `hyperv_api`), the
Default Switch's address (the instances' gateway, with its prefix: their subnet).

`hyperv_api` is built only with HYPERV_HCS_ENABLED (off on release branches): whether 1.17 ships it,
and as the default, is unconfirmed (multipass-networking-2026.md §5); the family covers both.

A driver that cannot be read (daemon down, not recorded) is taken as hyperv, the default:
the host side can still be diagnosed, and the daemon check says what is wrong with it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from mpdiag import platforms
from mpdiag.host.rules.windows import adapter_ipv4
from mpdiag.host._multipass import NotApplicable, driver_or_none
from mpdiag.parse.unavailable import Absent

FAMILY, DRIVERS = platforms.FAMILIES["windows"]


def driver(session: Any) -> str | None:
    return driver_or_none(session)


def family(session: Any) -> str:
    name = driver(session)
    return FAMILY if name is None or name in DRIVERS else "other"


def switch_address(session: Any) -> ipaddress.IPv4Interface | None:
    """The adapter's first usable IPv4 (link-local 169.254/16: ICS never configured it); None
    when the adapter or its address does not exist."""
    addresses = session.get("default_switch_ip")
    if isinstance(addresses, Absent):
        return None
    usable = [a for a in adapter_ipv4(addresses) if not a.ip.is_link_local]
    return usable[0] if usable else None


def _address(session: Any) -> ipaddress.IPv4Interface | None:
    if family(session) != FAMILY:
        raise NotApplicable(f"the driver is {driver(session)}: no Default Switch")
    from mpdiag import host

    return host.switch_address(session)


def subnet(session: Any) -> ipaddress.IPv4Network | None:
    address = _address(session)
    return address.network if address else None


def bridge(session: Any) -> str | None:
    return None


def gateway(session: Any) -> str | None:
    address = _address(session)
    return str(address.ip) if address else None


def vpn_interfaces(session: Any) -> list[str]:
    return []
