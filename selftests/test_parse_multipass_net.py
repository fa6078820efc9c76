"""Multipass's networking outputs: `networks`, `get local.bridged-network` / `local.<i>.bridged`,
`zones` (main), the snap's dnsmasq leases, `systemctl is-active`. The literal outputs are
the reference's (multipass-networking-2026.md, from canonical/multipass's formatter test data)
and a corpus paste (#2459)."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from mpdiag.errors import ParseError
from mpdiag.parse import multipass_net as mn

CORPUS = Path(__file__).parent / "data" / "corpus" / "windows"

# tests/unit/test_data/formatters/json/multiple_lines_networks_reply.json@HEAD
NETWORKS_HEAD = """{
    "list": [
        {
            "name": "en0",
            "type": "eth",
            "description": "Ether"
        },
        {
            "name": "wlx0123456789ab",
            "type": "wifi",
            "description": "Wireless"
        }
    ]
}
"""
# 1.16: the same reply with alphabetical keys
NETWORKS_116 = """{
    "list": [
        {
            "description": "Ether",
            "name": "en0",
            "type": "eth"
        }
    ]
}
"""
EMPTY_NETWORKS = "{\n    \"list\": [\n    ]\n}\n"
TABLE = "Name              Type   Description\nen0               eth    Ether\nwlx0123456789ab   wifi   Wireless\n"
ZONES = """{
    "zone1": {
        "available": true,
        "subnet": "10.97.0.0/24"
    },
    "zone2": {
        "available": false,
        "subnet": "10.97.1.0/24"
    }
}
"""
UNKNOWN_ZONES = "Error: Unknown command or alias 'zones' (try \"multipass help\" or \"multipass aliases\")\n"


def test_networks_json_head_and_116_key_orders():
    assert mn.parse_networks(NETWORKS_HEAD) == [mn.Network("en0", "eth", "Ether"),
                                                mn.Network("wlx0123456789ab", "wifi", "Wireless")]
    assert mn.parse_networks(NETWORKS_116) == [mn.Network("en0", "eth", "Ether")]
    assert mn.parse_networks(EMPTY_NETWORKS) == []


def test_networks_table_and_the_corpus_paste_with_spaces_in_names():
    assert [n.name for n in mn.parse_networks(TABLE)] == ["en0", "wlx0123456789ab"]
    assert mn.parse_networks("No network interfaces found.\n") == []
    got = mn.parse_networks((CORPUS / "multipass-networks__2459__1.txt").read_text())
    assert [(n.name, n.type) for n in got] == [("Ethernet", "ethernet"), ("Npcap Loopback Adapter", "ethernet"),
                                               ("Wi-Fi", "wifi")]


@pytest.mark.parametrize("text", ['{"list": {}}', '{"list": [{"type": "eth"}]}', "garbage", '{"list": [',
                                  "[" * 100000])
def test_networks_refuses_what_is_not_a_reply(text):
    with pytest.raises(ParseError):
        mn.parse_networks(text)


def test_settings():
    assert mn.parse_setting("<empty>\n") == ""
    assert mn.parse_setting("\n") == ""
    assert mn.parse_setting("eth0\n") == "eth0"
    assert mn.parse_bool_setting("true\n") is True and mn.parse_bool_setting("false") is False
    with pytest.raises(ParseError):
        mn.parse_bool_setting("yes")
    with pytest.raises(ParseError):
        mn.parse_setting("a\nb\n")


def test_zones_and_the_unknown_command_before_main():
    zones = mn.parse_zones_reply(ZONES)
    assert zones == [mn.Zone("zone1", True, ipaddress.IPv4Network("10.97.0.0/24")),
                     mn.Zone("zone2", False, ipaddress.IPv4Network("10.97.1.0/24"))]
    assert mn.parse_zones_reply(UNKNOWN_ZONES) is None
    assert mn.unknown_command(UNKNOWN_ZONES) == "zones"
    for bad in ('{"zone1": {"subnet": "10.97.0.0/24"}}', '{"zone1": {"available": true, "subnet": "x"}}', ""):
        with pytest.raises(ParseError):
            mn.parse_zones_reply(bad)


def test_dnsmasq_leases():
    text = ("0 52:54:00:6f:1a:2b 10.97.23.5 primary ff:56:50:4d:98:00:02:00:00:ab:11:5b:8a:5e:6d:88:7b:9\n"
            "0 52:54:00:AA:BB:CC 10.97.23.7 * *\n"
            "duid 00:01:00:01:2c:6f\n"
            "0 1234 fd42::5 primary 00:01\n")
    got = mn.parse_dnsmasq_leases(text)
    assert [(lease.mac, lease.ip, lease.hostname) for lease in got] == [
        ("52:54:00:6f:1a:2b", "10.97.23.5", "primary"), ("52:54:00:aa:bb:cc", "10.97.23.7", None)]
    assert mn.parse_dnsmasq_leases("") == []
    for bad in ("0 52:54:00:6f:1a:2b not-an-ip x y\n", "hello\n"):
        with pytest.raises(ParseError):
            mn.parse_dnsmasq_leases(bad)


def test_unit_state():
    assert mn.parse_unit_state("active\n") == "active"
    assert mn.parse_unit_state("inactive\n") == "inactive"
    with pytest.raises(ParseError):
        mn.parse_unit_state("System has not been booted with systemd as init system (PID 1). Can't operate.\n")
