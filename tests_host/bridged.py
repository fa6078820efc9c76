"""What the `<platform>.bridged.*` and `<platform>.zones.*` host checks share (one body for the
three platforms: the bridged setting and the zones are Multipass's, not the OS's). Each
platform's `test_bridged.py` takes its two tests from :func:`platform_tests`, so they collect
under that platform's directory, marker and check IDs."""

from __future__ import annotations

from typing import Callable

import pytest

from mpdiag import host

# the daemon's data dir, where the zone files live (Linux: the snap's; macOS/Windows by analogy,
# unconfirmed: multipass-networking-2026.md §3)
ZONE_FILES = {
    "linux": "sudo ls /var/snap/multipass/common/data/multipassd/zones/{zone}.json",
    "macos": "sudo ls '/var/root/Library/Application Support/multipassd/zones/{zone}.json'  # path unconfirmed",
    "windows": r"dir C:\ProgramData\Multipass\data\zones\{zone}.json  # path unconfirmed",
}


def check_bridged_setting(check) -> None:
    """`local.bridged-network` names a network `multipass networks` lists."""
    preferred = check.fact(host.bridged_network)
    if preferred is None:
        check.skip("no bridged network is set (`multipass get local.bridged-network` is empty): nothing to validate")
    nets = check.fact(host.networks)
    names = [n.name for n in nets]
    if preferred in names:
        return
    listed = ", ".join(f"{n.name} ({n.type})" for n in nets) or "no network at all"
    close = [n for n in names if n.lower() == preferred.lower()]
    hint = f"; names are case-sensitive: it lists {close[0]}" if close else ""
    check.fail(f"local.bridged-network is '{preferred}', which `multipass networks` does not list "
               f"(it lists {listed}){hint}: `launch --bridged` and `local.<instance>.bridged=true` fail with "
               f"`Invalid network '{preferred}' set as bridged interface`", network=preferred, listed=listed,
               suggest=(close or names or ["<name>"])[0])


def check_zone_subnets(check) -> None:
    """No zone's subnet collides with another interface's network or a route as specific."""
    collisions = check.fact(host.zone_collisions)
    if not collisions:
        return
    first = collisions[0]
    found = "; ".join(f"zone {c.zone.name} ({c.zone.subnet}{'' if c.zone.available else ', Unavailable'}) "
                      f"collides with {c.what}" for c in collisions)
    check.fail(found, zone=first.zone.name, zone_subnet=str(first.zone.subnet), collision=first.what,
               zone_file=ZONE_FILES[check.platform].format(zone=first.zone.name))


def platform_tests(platform: str) -> tuple[Callable, Callable]:
    """The two tests of `tests_host/<platform>/test_bridged.py`, marked with the platform's check IDs."""
    @pytest.mark.check(f"{platform}.bridged.setting_valid")
    def test_bridged_setting_names_a_listed_network(check) -> None:
        check_bridged_setting(check)

    @pytest.mark.check(f"{platform}.zones.subnets_free")
    def test_zone_subnets_collide_with_nothing(check) -> None:
        check_zone_subnets(check)

    return test_bridged_setting_names_a_listed_network, test_zone_subnets_collide_with_nothing
