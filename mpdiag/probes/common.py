"""Probes every platform has: the Multipass CLI, processes, DNS queries from the host."""

from __future__ import annotations

import json
from typing import Any

from mpdiag.multipass import CLI, info_argv
from mpdiag.probes import ALL_PLATFORMS, Probe, ProbeContext, register
from mpdiag.parse.multipass import parse_driver, parse_info, parse_list, parse_version
from mpdiag.parse.multipass_net import parse_bool_setting, parse_networks, parse_setting, parse_zones_reply


def _info_command(ctx: ProbeContext) -> list[str]:
    try:
        number = ctx.get("multipass_version").number
    except Exception:  # no version: use the form every current release accepts
        number = None
    return info_argv(number)


def _processes(ctx: ProbeContext) -> list[dict[str, Any]]:
    import psutil

    out = []
    for p in psutil.process_iter(["pid", "name", "exe"], ad_value=None):
        out.append({"pid": p.info["pid"], "name": p.info["name"] or "", "exe": p.info["exe"]})
    return out


def _dns_query(ctx: ProbeContext) -> dict[str, Any]:
    """Ask one server for one name, as the instances would (dnspython, UDP, one try)."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode

    server, name = str(ctx.params["server"]), str(ctx.params["name"])
    q = dns.message.make_query(name, "A")
    try:
        r = dns.query.udp(q, server, timeout=min(3.0, ctx.timeout))
    except dns.exception.Timeout:
        return {"server": server, "name": name, "error": "timeout", "answers": []}
    except OSError as exc:
        return {"server": server, "name": name, "error": exc.strerror or str(exc), "answers": []}
    answers = [rr.to_text() for rrset in r.answer for rr in rrset if rrset.rdtype == 1]
    return {"server": server, "name": name, "error": None,
            "rcode": dns.rcode.to_text(r.rcode()), "answers": answers}


def parse_json(text: str) -> Any:
    """A Python probe's JSON result."""
    from mpdiag.errors import ParseError

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"probe result is not JSON ({exc.msg})", text) from exc
    except RecursionError:
        raise ParseError("probe result: JSON nested too deeply", text[:200]) from None


register(
    Probe("multipass_version", ALL_PLATFORMS, parse_version,
          (CLI, "version", "--format", "json"), cli=True, description="client and daemon versions"),
    Probe("multipass_list", ALL_PLATFORMS, parse_list,
          (CLI, "list", "--format", "json"), cli=True, description="instances, states, IPv4s"),
    Probe("multipass_info", ALL_PLATFORMS, parse_info, _info_command,
          shows="multipass info --format json  (--all before 1.13)", cli=True, description="instance details"),
    Probe("multipass_driver", ALL_PLATFORMS, parse_driver,
          (CLI, "get", "local.driver"), cli=True, description="the virtualization driver"),
    # bridged networking and zones (multipass-networking-2026.md §1-§3)
    Probe("multipass_networks", ALL_PLATFORMS, parse_networks,
          (CLI, "networks", "--format", "json"), cli=True, description="the host networks Multipass can bridge"),
    Probe("multipass_bridged_network", ALL_PLATFORMS, parse_setting,
          (CLI, "get", "local.bridged-network"), cli=True, description="the preferred bridged network (`--bridged`)"),
    Probe("multipass_instance_bridged", ALL_PLATFORMS, parse_bool_setting,
          (CLI, "get", "local.{vm}.bridged"), cli=True, description="is the instance bridged (1.14+)"),
    Probe("multipass_zones", ALL_PLATFORMS, parse_zones_reply,
          (CLI, "zones", "--format", "json"), data_rcs=frozenset({0, 1}),
          cli=True, description="availability zones and their subnets (main; rc 1: no such command before)"),
    Probe("processes", ALL_PLATFORMS, parse_json, call=_processes,
          description="psutil: pid, name, exe of every process"),
    Probe("dns_gateway", ALL_PLATFORMS, parse_json, call=_dns_query,
          shows="(python) dnspython: A <name> @<gateway>:53", description="the gateway's DNS, asked from the host"),
)
