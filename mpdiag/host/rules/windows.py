"""Windows facts over parsed PowerShell data: the Default Switch, its HNS network,
its subnet and address, and third-party antivirus.

Inputs are the dicts of :func:`mpdiag.parse.powershell.parse_json_objects` (JSON
types) or of the Format-List parser (all strings); both are accepted. Data that is
present but unreadable (a bad prefix) raises ParseError: the check reports error.

Findings the functions rely on:
- Multipass finds the switch with `Get-VMSwitch -Id C08CB7B8-...` (its fixed GUID),
  never by name: the name is localized (`Standardswitch`, `Commutateur par défaut`).
- The Default Switch's HNS network carries the *same* GUID as its `ID` (corpus:
  get-hnsnetwork__1833__1, a maintainer's reference output:
  `ID : C08CB7B8-9B3C-408E-8E30-5E16A3AEB444`, Flags 3). HNS prints it upper-case
  and under `ID`; Get-VMSwitch prints it lower-case under `Id`. Matching is by GUID,
  case-insensitively; the name `Default Switch` is only a fallback.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from mpdiag.errors import ParseError
from mpdiag.parse.powershell import ADDRESS_FAMILIES, prop, ps_guid
from mpdiag.parse.powershell_text import parse_ps_hashtables

__all__ = [
    "DEFAULT_SWITCH_ID",
    "DEFAULT_SWITCH_NAME",
    "find_default_switch",
    "default_switch_network",
    "default_switch_networks",
    "default_switch_claimants",
    "hns_subnets",
    "adapter_ipv4",
    "non_defender_antivirus",
    "av_product_enabled",
]

DEFAULT_SWITCH_ID = "c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"
DEFAULT_SWITCH_NAME = "Default Switch"  # English only; never the primary key

_DEFENDER = re.compile(r"^\s*(?:windows|microsoft)\s+defender\b", re.IGNORECASE)


def _id_of(obj: dict[str, Any]) -> str | None:
    return ps_guid(prop(obj, "Id"))


def find_default_switch(switches: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Default Switch among Get-VMSwitch objects, by its fixed Id (any case,
    string or `{"Guid": ...}`), never by its (localized) name."""
    for switch in switches:
        if isinstance(switch, dict) and _id_of(switch) == DEFAULT_SWITCH_ID:
            return switch
    return None


def default_switch_networks(hns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every HNS network that is the Default Switch's: by ID, else by the name
    `Default Switch`. More than one is the broken state the seed's remedy fixes."""
    by_id = [n for n in hns if isinstance(n, dict) and _id_of(n) == DEFAULT_SWITCH_ID]
    if by_id:
        return by_id
    return [n for n in hns if isinstance(n, dict)
            and str(prop(n, "Name", "")).strip().lower() == DEFAULT_SWITCH_NAME.lower()]


def default_switch_claimants(hns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every HNS network that claims to be the Default Switch: the one with its ID, plus
    any other with that network's (possibly localized) name and type - the duplicate a
    broken Default Switch leaves behind. Without an ID match: the ones named
    `Default Switch`. A user's own switch with another name (or type) is never counted."""
    by_id = [n for n in hns if isinstance(n, dict) and _id_of(n) == DEFAULT_SWITCH_ID]
    if not by_id:
        return default_switch_networks(hns)
    name = str(prop(by_id[0], "Name", "")).strip().lower()
    kind = str(prop(by_id[0], "Type", "")).strip().lower()
    out = list(by_id)
    for n in hns:
        if not isinstance(n, dict) or n in out or not name:
            continue
        if str(prop(n, "Name", "")).strip().lower() != name:
            continue
        other_kind = str(prop(n, "Type", "")).strip().lower()
        if kind and other_kind and other_kind != kind:
            continue
        out.append(n)
    return out


def default_switch_network(hns: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Default Switch's HNS network (same GUID as the switch), or None."""
    found = default_switch_networks(hns)
    return found[0] if found else None


def hns_subnets(network: dict[str, Any]) -> list[tuple[ipaddress.IPv4Network, str | None]]:
    """(AddressPrefix, GatewayAddress) of each IPv4 subnet of an HNS network.

    `Subnets` is a list of objects in JSON, one object when there is one subnet, or
    the `{@{AddressPrefix=...; GatewayAddress=...}}` string of Format-List (and of
    ConvertTo-Json past its -Depth). IPv6 prefixes are skipped.
    """
    raw = prop(network, "Subnets")
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        items: list[Any] = parse_ps_hashtables(raw)
    elif isinstance(raw, dict):
        items = [raw]
    elif isinstance(raw, list):
        items = []
        for item in raw:
            items.extend(parse_ps_hashtables(item) if isinstance(item, str) else [item])
    else:
        raise ParseError("HNS Subnets has an unexpected type", repr(raw))
    out: list[tuple[ipaddress.IPv4Network, str | None]] = []
    for item in items:
        if not isinstance(item, dict):
            raise ParseError("HNS subnet is not an object", repr(item))
        prefix = prop(item, "AddressPrefix")
        if not isinstance(prefix, str) or not prefix.strip():
            raise ParseError("HNS subnet without AddressPrefix", repr(item))
        try:
            net = ipaddress.ip_network(prefix.strip(), strict=False)
        except ValueError as exc:
            raise ParseError("HNS subnet AddressPrefix unreadable", prefix) from exc
        if not isinstance(net, ipaddress.IPv4Network):
            continue
        gw = prop(item, "GatewayAddress")
        gateway: str | None = None
        if isinstance(gw, str) and gw.strip():
            try:
                gateway = str(ipaddress.IPv4Address(gw.strip()))
            except ValueError as exc:
                raise ParseError("HNS subnet GatewayAddress unreadable", gw) from exc
        out.append((net, gateway))
    return out


def adapter_ipv4(addresses: list[dict[str, Any]]) -> list[ipaddress.IPv4Interface]:
    """IPv4 addresses (with prefix) of Get-NetIPAddress objects, e.g. the
    `vEthernet (Default Switch)` adapter's. AddressFamily is 2 (5.1) or 'IPv4' (7);
    IPv6 entries are skipped."""
    out: list[ipaddress.IPv4Interface] = []
    for obj in addresses:
        if not isinstance(obj, dict):
            raise ParseError("Get-NetIPAddress entry is not an object", repr(obj))
        family = prop(obj, "AddressFamily")
        if isinstance(family, int) and not isinstance(family, bool):
            family = ADDRESS_FAMILIES.get(family, str(family))
        ip = prop(obj, "IPAddress", prop(obj, "IPv4Address"))
        if family is not None and str(family).strip().lower() != "ipv4":
            continue
        if not isinstance(ip, str) or not ip.strip():
            raise ParseError("Get-NetIPAddress entry without IPAddress", repr(obj))
        if family is None and ":" in ip:
            continue
        length = prop(obj, "PrefixLength")
        try:
            plen = int(length)
            iface = ipaddress.IPv4Interface(f"{ip.strip()}/{plen}")
        except (TypeError, ValueError) as exc:
            raise ParseError("Get-NetIPAddress IPv4 entry unreadable", repr(obj)) from exc
        out.append(iface)
    return out


def av_product_enabled(product_state: Any) -> bool | None:
    """SecurityCenter2 productState -> real-time protection on? (None if unknown).

    Undocumented but stable encoding: the middle byte of the 24-bit value is the
    scanner state, 0x10 (or 0x11) meaning on, 0x00/0x01 off/snoozed.
    """
    try:
        state = int(product_state)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON infinity
        return None
    if state < 0 or state > 0xFFFFFF:
        return None
    return bool((state >> 8) & 0x10)


def non_defender_antivirus(products: list[dict[str, Any]], enabled_only: bool = False) -> list[str]:
    """Display names of AntiVirusProduct entries that are not Windows/Microsoft
    Defender, without duplicates, in order. `enabled_only` drops products whose
    productState says real-time protection is off."""
    names: list[str] = []
    for product in products:
        if not isinstance(product, dict):
            raise ParseError("AntiVirusProduct entry is not an object", repr(product))
        name = prop(product, "displayName")
        if not isinstance(name, str) or not name.strip():
            continue
        name = name.strip()
        if _DEFENDER.match(name):
            continue
        if enabled_only and av_product_enabled(prop(product, "productState")) is False:
            continue
        if name not in names:
            names.append(name)
    return names
