"""What the Linux host checks share: the Multipass bridges (the host model's, mpdiag.host:
name, gateway, subnet, or why there is none to check) and the firewall rulesets.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import pytest

from mpdiag import host
from mpdiag.host.rules.linux import Bridge
from mpdiag.host._linux import NOT_INSTALLED, multipass_installed as _installed  # noqa: F401 - NOT_INSTALLED for the checks
from mpdiag.parse.unavailable import Absent, ToolMissing


def multipass_installed(check) -> bool:
    """False when the `multipass` command does not exist (rc 127), live or as recorded."""
    return check.fact(_installed)


@pytest.fixture
def bridges(check) -> list[Bridge]:
    """The Multipass bridges (at least one; without a link, the one `multipass_subnet` names).

    Skips, saying why: Multipass not installed and no bridge; another driver (lxd,
    libvirt); no bridge and no subnet file (linux.bridge.up is the check that fails then)."""
    return check.fact(host.bridges)


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
    read (no kernel support: Absent) has no rules. Without either variant, iptables-save."""
    out = []
    present = False
    for name, backend in (("iptables_nft", "nf_tables"), ("iptables_legacy", "legacy")):
        ruleset = check.probe(name)
        if isinstance(ruleset, ToolMissing):
            continue
        present = True
        if isinstance(ruleset, Absent):
            continue
        out.append((backend, ruleset))
    if not present:
        out.append(("iptables", check.probe("iptables")))
    return [(b, rs) for b, rs in out if not rs.empty] or out[:1]



def native_nft(check):
    """The native nftables ruleset, or None: `nft` not installed or no nf_tables in the kernel
    (no native table can exist then). Not in a replayed bundle (recorded before nftables was
    read) or root refused: the probe skips the check, saying so, rather than pass on iptables alone."""
    rs = check.probe("nft_ruleset")
    return None if isinstance(rs, (ToolMissing, Absent)) else rs
