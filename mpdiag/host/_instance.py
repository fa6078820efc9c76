"""The model's instance side: which instance the in-instance checks look at, and what it shows.

The target: the one this session launched (`--launch`; its name is a session input), else
`--instance NAME`, else a Running `primary` (live) or the bundle's instance (replay: one
with recorded in-instance probes, or one `multipass list` shows without an address).
Only a launched instance may be changed (the ARP check's alias).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from mpdiag.errors import CliFailed, DiagError, NotRecorded
from mpdiag.host.rules import instance as facts
from mpdiag.host._multipass import NotApplicable, listing
from mpdiag.parse import iproute
from mpdiag.parse.multipass import Instance

HOW_TO_PICK = "pass --instance NAME to check an existing instance, or --launch to launch a throwaway one"
MAX_LOSS_PERCENT = 20.0  # more loss than this to the external IP is a failure, not noise


@dataclass(frozen=True)
class Target:
    """The instance the checks look at; `launched`: this session (or the recorded one) made it."""

    name: str
    launched: bool = False

    @property
    def may_modify(self) -> bool:
        """Only an instance the suite launched itself may be changed."""
        return self.launched


def _list_failure(session: Any) -> str | None:
    try:
        return listing(session).failure
    except DiagError:
        return None


def target(session: Any) -> Target:
    inputs = session.inputs
    if inputs.launch:
        return Target(inputs.launch, launched=True)
    if session.mode == "replay":
        return _replayed(session, inputs.instance)
    if inputs.instance:
        return Target(inputs.instance)
    failure = _list_failure(session)
    if failure:
        raise NotApplicable(f"no instance given and {failure} (see instance.state.listed); {HOW_TO_PICK}")
    try:
        listed = session.get("multipass_list")
    except DiagError as exc:
        raise NotApplicable(f"no instance given and `multipass list` failed ({exc}); {HOW_TO_PICK}") from None
    primary = facts.find_instance(listed, "primary")
    if primary is None:
        raise NotApplicable(f"no instance given and there is no 'primary' instance; {HOW_TO_PICK}")
    if not (primary.running or primary.state == "Unknown"):
        raise NotApplicable(f"no instance given and 'primary' is {primary.state} (it is not started for you); "
                            f"{HOW_TO_PICK}")
    return Target("primary")


def _replayed(session: Any, wanted: str | None) -> Target:
    """One with recorded in-instance probes, or one the recorded list shows without an address
    (a recording of a Running instance with an address always holds in-instance probes)."""
    recorded = session.recorded_instances()
    listed: list[str] = []
    try:
        listed = [i.name for i in session.get("multipass_list") if not (i.running and facts.management_ip(i))]
    except DiagError:
        pass
    known = list(dict.fromkeys(recorded + listed))
    try:
        launch_argv = session.result("multipass_launch").argv
    except NotRecorded:
        launch_argv = ()
    launched_name = next((b for a, b in zip(launch_argv, launch_argv[1:]) if a == "--name"), None)
    if not wanted and launched_name in known:  # a --launch run checked the instance it launched
        wanted = launched_name
    if not known:
        failure = _list_failure(session)
        if failure:
            raise NotApplicable(f"{failure} (see instance.state.listed), so no instance can be told")
        raise NotApplicable("no instance recorded in the bundle")
    if wanted:
        if wanted not in known:
            raise NotApplicable(f"instance {wanted!r} is not recorded in the bundle (recorded: {', '.join(known)})")
        name = wanted
    elif "primary" in known:
        name = "primary"
    elif len(recorded) == 1 or len(known) == 1:
        name = recorded[0] if len(recorded) == 1 else known[0]
    else:
        raise NotApplicable(f"the bundle holds several instances ({', '.join(known)}): pick one with --instance NAME")
    try:
        session.result("multipass_launch")
        launched = True
    except NotRecorded:
        launched = False
    return Target(name, launched=launched)


def launch_failure(session: Any) -> CliFailed | None:
    try:
        session.get("multipass_launch")
    except CliFailed as exc:
        return exc
    return None


def _target(session: Any) -> Target:
    from mpdiag import host

    return host.target(session)


def listed(session: Any) -> Instance | None:
    """The target in `multipass list` (None when absent). Raises what the probe raises."""
    return facts.find_instance(session.get("multipass_list"), _target(session).name)


def management_ip(session: Any) -> str | None:
    try:
        return facts.management_ip(listed(session))
    except DiagError:
        return None


def links(session: Any) -> dict[str, iproute.Link]:
    return session.get("ip_addr", _target(session).name)


def routes(session: Any) -> list[iproute.IpRoute]:
    return session.get("ip_route", _target(session).name)


def primary_link(session: Any) -> iproute.Link | None:
    return iproute.primary_link(links(session), routes(session), management_ip(session))


def gateway(session: Any) -> str | None:
    """Windows: the Default Switch's address; else the instance's default route (None: none)."""
    if session.platform == "windows":
        from mpdiag import host

        try:
            address = host.switch_address(session)
        except DiagError:
            address = None
        if address is not None:
            return str(address.ip)
    route = iproute.default_gateway(routes(session))
    return route.gateway if route else None


def subnet(session: Any) -> ipaddress.IPv4Network | None:
    """The host's live subnet, else the network of the instance's own management address."""
    from mpdiag import host

    try:
        net = host.subnet(session)
    except DiagError:
        net = None
    if net is not None:
        return net
    if management_ip(session) is None:
        return None  # nothing runs inside an instance without an address: no exec for a placeholder
    try:
        link = primary_link(session)
    except DiagError:
        return None
    if link is None:
        return None
    ip = management_ip(session)
    for a in link.addresses:
        if ip is None or str(a.ip) == ip:
            return a.network
    return link.addresses[0].network if link.addresses else None


def gateway_problem(session: Any, definite: bool) -> str | None:
    """Why the gateway does not answer (None: it does, or it cannot be told). `definite`: only
    no default route or an error back from ping ("Destination Host Unreachable"), not a mere
    silence ICMP filtering could explain."""
    name = _target(session).name
    try:
        gw = gateway(session)
        if gw is None:
            return f"{name} has no default route"
        r = session.get("ping_gateway", name, ip=gw)
    except DiagError:
        return None
    if r.ok or (definite and not r.error):
        return None
    return f"its gateway {gw} does not answer ({r.summary()})"


def internet_problem(session: Any, definite: bool) -> str | None:
    """Why the external IP does not answer well enough (None: it does, or it cannot be told)."""
    ip = session.inputs.external_ip
    try:
        r = session.get("ping_external", _target(session).name, ip=ip)
    except DiagError:
        return None
    if definite:
        return f"{ip} is unreachable ({r.summary()})" if not r.ok and r.error else None
    if r.received == 0 or r.loss_percent >= MAX_LOSS_PERCENT:
        return f"{ip} does not answer reliably ({r.summary()})"
    return None
