"""Bridged networking and availability zones on this host (Multipass 1.14+ / main)."""

from tests_host.bridged import platform_tests

test_bridged_setting_names_a_listed_network, test_zone_subnets_collide_with_nothing = platform_tests("macos")
