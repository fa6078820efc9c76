"""Bridged networking and availability zones on this host (Multipass 1.14+ / main)."""

import pytest

from tests_host.bridged import check_bridged_setting, check_zone_subnets


@pytest.mark.check("macos.bridged.setting_valid")
def test_bridged_setting_names_a_listed_network(check):
    check_bridged_setting(check)


@pytest.mark.check("macos.zones.subnets_free")
def test_zone_subnets_collide_with_nothing(check):
    check_zone_subnets(check)
