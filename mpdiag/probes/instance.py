"""Probes run inside an instance through `multipass exec` (recorded under instances/<name>/)."""

from __future__ import annotations

from mpdiag.probes import ALL_PLATFORMS, Probe, register


def _i(name: str, parse: str, argv: tuple[str, ...], description: str, rcs=frozenset({0})) -> Probe:
    return Probe(name, ALL_PLATFORMS, parse, argv, instance=True, data_rcs=rcs, description=description)


PING_RCS = frozenset({0, 1})  # 1: no reply; still data
DIG_RCS = frozenset({0, 9, 10})  # 9: no reply from server; 10: refused/unreachable in some builds

register(
    _i("ip_addr", "mpdiag.parse.iproute:parse_ip_addr", ("ip", "-j", "-4", "addr"), "the instance's IPv4 addresses"),
    _i("ip_route", "mpdiag.parse.iproute:parse_ip_route", ("ip", "-j", "route"), "the instance's routes"),
    _i("ping_gateway", "mpdiag.parse.iputils:parse_ping", ("ping", "-c", "3", "-i", "0.3", "-W", "2", "{ip}"),
       "ping the gateway", PING_RCS),
    _i("ping_external", "mpdiag.parse.iputils:parse_ping", ("ping", "-c", "3", "-i", "0.3", "-W", "2", "{ip}"),
       "ping an external IP", PING_RCS),
    _i("dig_gateway", "mpdiag.parse.dig:parse_dig", ("dig", "+time=2", "+tries=1", "@{server}", "{name}"),
       "ask the gateway's DNS", DIG_RCS),
    _i("dig_external", "mpdiag.parse.dig:parse_dig", ("dig", "+time=2", "+tries=1", "@{server}", "{name}"),
       "ask an external DNS server", DIG_RCS),
    _i("resolv_conf", "mpdiag.parse.resolver:parse_resolv_conf", ("cat", "/etc/resolv.conf"), "the resolver config"),
    _i("resolve_name", "mpdiag.parse.resolver:parse_getent_hosts", ("getent", "hosts", "{name}"),
       "resolve through the instance's own resolver", frozenset({0, 2})),
)
