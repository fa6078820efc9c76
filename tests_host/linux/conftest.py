"""What the Linux host checks share: is Multipass here at all, is it the QEMU driver,
which bridges it made (name, gateway, subnet), and the firewall rulesets.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest

from mpdiag.errors import DiagError, NotRecorded, ParseError, ProbeError
from mpdiag.facts.linux import (DEFAULT_BRIDGE, Bridge, bridge_from_link, gateway_of, multipass_bridges,
                                subnet_from_file)

NOT_INSTALLED = ("Multipass is not installed on this host (no `multipass` command and no mpqemubr bridge): "
                 "the Linux host checks do not apply")


def tool_missing(res) -> bool:
    """The probe's tool is not installed: rc 127 run directly; through `sudo -n`, sudo's own
    `sudo: TOOL: command not found` (rc 1). A missing sudo is not a missing tool."""
    err = res.error_text.lower()
    if res.argv and res.argv[0] == "sudo":
        return res.rc != 0 and "command not found" in err and not err.startswith("sudo: command not found")
    return res.rc == 127


def multipass_installed(check) -> bool:
    """False when the `multipass` command does not exist (rc 127), live or as recorded."""
    res = check.result("multipass_version")
    return res.rc != 127


def _driver(check) -> str | None:
    try:
        return check.session.get("multipass_driver")
    except DiagError:
        return None


def _file_subnet(check):
    """The `multipass_subnet` file's subnet, or None (missing, unreadable, not recorded)."""
    try:
        data = check.session.get("multipass_subnet")
    except (NotRecorded, ProbeError, ParseError):
        return None
    if not isinstance(data, dict) or not data.get("content"):
        return None
    try:
        return subnet_from_file(data["content"])
    except ParseError:
        return None


@pytest.fixture
def bridges(check) -> list[Bridge]:
    """The Multipass bridges (at least one; without a link, the one `multipass_subnet` names).

    Skips, saying why: Multipass not installed and no bridge; another driver (lxd,
    libvirt); no bridge and no subnet file (linux.bridge.up is the check that fails
    then). Puts the subnet (and bridge) in the session's facts."""
    links = check.probe("host_ip_addr")
    found = multipass_bridges(links)
    if not found and not multipass_installed(check):
        check.skip(NOT_INSTALLED)
    driver = _driver(check)
    if driver is not None:
        check.session.facts.setdefault("driver", driver)
        if driver != "qemu":
            check.skip(f"driver is {driver}: the QEMU bridge/dnsmasq/iptables checks do not apply "
                       "(lxd uses mpbr0, libvirt virbr0/mpvirtbr0)")
    file_subnet = _file_subnet(check)
    out = [bridge_from_link(link, file_subnet) for link in found]
    if out and out[0].gateway is None and file_subnet is not None:
        out[0] = Bridge(out[0].name, gateway_of(file_subnet), out[0].link, "multipass_subnet")
    if not out:
        if file_subnet is None:
            check.skip("no mpqemubr bridge and no multipass_subnet file: nothing to check on "
                       "(see linux.bridge.up)")
        out = [Bridge(DEFAULT_BRIDGE, gateway_of(file_subnet), None, "multipass_subnet")]
    if out[0].subnet is not None:
        check.session.facts["subnet"] = str(out[0].subnet)
    check.session.facts.setdefault("bridge", out[0].name)
    return out


@pytest.fixture
def addressed_bridges(check, bridges) -> list[Bridge]:
    """The bridges with a known gateway address (the others are linux.bridge.up's finding)."""
    usable = [b for b in bridges if b.gateway is not None]
    if not usable:
        check.skip(f"{bridges[0].name} has no IPv4 address and no multipass_subnet says which it should have "
                   "(see linux.bridge.up)")
    return usable


@pytest.fixture
def rulesets(check):
    """[(backend, Ruleset)] for every iptables backend with rules.

    iptables-nft-save and iptables-legacy-save are both read (netfilter runs both);
    a missing tool means that backend is not installed; a backend that cannot be
    read (no kernel support) has no rules. Without either variant, iptables-save."""
    out = []
    present = False
    for name, backend in (("iptables_nft", "nf_tables"), ("iptables_legacy", "legacy")):
        res = check.result(name)
        if tool_missing(res):
            continue
        present = True
        if res.rc != 0 and not res.sudo_refused and _no_kernel_support(res.error_text):
            continue
        out.append((backend, check.probe(name)))
    if not present:
        out.append(("iptables", check.probe("iptables")))
    return [(b, rs) for b, rs in out if not rs.empty] or out[:1]


def _no_kernel_support(stderr: str) -> bool:
    s = stderr.lower()
    return ("table does not exist" in s or "can't initialize" in s or "not supported" in s
            or "protocol not supported" in s or "no such file or directory" in s and "/proc/net/" in s)
