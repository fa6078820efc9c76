"""Parsers of in-instance output: `ip -j`, iputils ping and arping, dig 9.10-9.18, resolv.conf,
getent. Samples are real outputs (iproute2 6.1, iputils 20221126, BIND 9.18.49) or the
guide's own; each parser is also fed what users paste and what breaks.

Longer than ~300 lines on purpose: a test per real sample of each in-instance parser."""

from __future__ import annotations

import ipaddress
import json

import pytest

from mpdiag.errors import ParseError
from mpdiag.host.rules import instance as facts
from mpdiag.parse import dig, iproute, iputils, resolver
from mpdiag.parse.multipass import parse_list

# ---- ip -j --------------------------------------------------------------------------------

IP_ADDR = ('[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue",'
           '"operstate":"UNKNOWN","group":"default","txqlen":1000,"addr_info":[{"family":"inet","local":"127.0.0.1",'
           '"prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295}]},'
           '{"ifindex":2,"ifname":"ens3","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,'
           '"qdisc":"fq_codel","operstate":"UP","group":"default","txqlen":1000,"addr_info":[{"family":"inet",'
           '"local":"192.168.252.3","prefixlen":24,"metric":100,"broadcast":"192.168.252.255","scope":"global",'
           '"dynamic":true,"label":"ens3","valid_life_time":3370,"preferred_life_time":3370},{"family":"inet",'
           '"local":"192.168.252.200","prefixlen":24,"scope":"global","secondary":true,"label":"ens3",'
           '"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]')
# iproute2 5.x: `{}` for links -4 filtered out
IP_ADDR_EMPTY_OBJECTS = ('[{},{"ifindex":2,"ifname":"eth0","flags":["UP"],"addr_info":[{"family":"inet",'
                         '"local":"10.97.23.5","prefixlen":24}]},{}]')
IP_ROUTE = ('[{"dst":"default","gateway":"192.168.252.1","dev":"ens3","protocol":"dhcp","prefsrc":"192.168.252.3",'
            '"metric":100,"flags":[]},{"dst":"192.168.252.0/24","dev":"ens3","protocol":"kernel","scope":"link",'
            '"prefsrc":"192.168.252.3","metric":100,"flags":[]},{"dst":"192.168.252.1","dev":"ens3",'
            '"protocol":"dhcp","scope":"link","prefsrc":"192.168.252.3","metric":100,"flags":[]}]')


def test_ip_addr_keeps_order_and_secondaries():
    links = iproute.parse_ip_addr(IP_ADDR)
    ens3 = links["ens3"]
    assert ens3.up and [str(a) for a in ens3.addresses] == ["192.168.252.3/24", "192.168.252.200/24"]
    assert [str(a) for a in ens3.secondary] == ["192.168.252.200/24"]
    assert ens3.has("192.168.252.200") and not ens3.has("192.168.252.4")


def test_ip_addr_skips_the_empty_objects_of_iproute2_5():
    assert list(iproute.parse_ip_addr(IP_ADDR_EMPTY_OBJECTS)) == ["eth0"]


def test_ip_addr_pasted_after_a_prompt():
    assert "ens3" in iproute.parse_ip_addr("ubuntu@primary:~$ ip -j -4 addr\n" + IP_ADDR + "\n")


@pytest.mark.parametrize("bad", ["not json", '{"ifname": "x"}', '[{"ifname": "eth0", "addr_info": '
                                 '[{"family": "inet", "local": "999.1.1.1", "prefixlen": 24}]}]', "[1, 2]"])
def test_ip_addr_malformed(bad):
    with pytest.raises(ParseError):
        iproute.parse_ip_addr(bad)


def test_ip_addr_empty_output_is_no_links():
    assert iproute.parse_ip_addr("") == {}


def test_routes_and_default_gateway():
    routes = iproute.parse_ip_route(IP_ROUTE)
    gw = iproute.default_gateway(routes)
    assert gw.gateway == "192.168.252.1" and gw.dev == "ens3" and gw.metric == 100
    assert routes[1].network == ipaddress.IPv4Network("192.168.252.0/24")


def test_lowest_metric_default_wins():
    two = ('[{"dst":"default","gateway":"10.0.0.1","dev":"wlan0","metric":600},'
           '{"dst":"default","gateway":"192.168.252.1","dev":"ens3","metric":100}]')
    assert iproute.default_gateway(iproute.parse_ip_route(two)).gateway == "192.168.252.1"


def test_no_default_route():
    assert iproute.default_gateway(iproute.parse_ip_route('[{"dst":"10.0.0.0/24","dev":"eth0"}]')) is None


def test_route_without_dst_is_an_error():
    with pytest.raises(ParseError):
        iproute.parse_ip_route('[{"gateway":"10.0.0.1"}]')


def test_primary_link_and_extras():
    links = iproute.parse_ip_addr(IP_ADDR)
    routes = iproute.parse_ip_route(IP_ROUTE)
    link = iproute.primary_link(links, routes, "192.168.252.3")
    assert link.name == "ens3"
    assert [str(a.ip) for a in iproute.extra_ipv4(link, "192.168.252.3")] == ["192.168.252.200"]
    # without the management address, the default route's device and its first address
    assert iproute.primary_link(links, routes).name == "ens3"
    assert [str(a.ip) for a in iproute.extra_ipv4(link)] == ["192.168.252.200"]
    # a management address that is not on the link does not make the DHCP one "extra"
    assert [str(a.ip) for a in iproute.extra_ipv4(link, "10.1.1.1")] == ["192.168.252.200"]


# ---- ping ----------------------------------------------------------------------------------

PING_OK = """PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.
64 bytes from 198.51.100.1: icmp_seq=1 ttl=63 time=0.061 ms
64 bytes from 198.51.100.1: icmp_seq=2 ttl=63 time=0.070 ms
64 bytes from 198.51.100.1: icmp_seq=3 ttl=63 time=0.066 ms

--- 198.51.100.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 408ms
rtt min/avg/max/mdev = 0.061/0.065/0.070/0.003 ms
"""
PING_GUIDE_LOSS = """PING 1.1.1.1 (1.1.1.1) 56(84) bytes of data.
^C
--- 1.1.1.1 ping statistics ---
3 packets transmitted, 0 received, 100% packet loss, time 2030ms
"""
PING_UNREACHABLE = """PING 203.0.113.77 (203.0.113.77) 56(84) bytes of data.
From 192.168.64.1 icmp_seq=1 Destination Net Unreachable
From 192.168.64.1 icmp_seq=2 Destination Net Unreachable

--- 203.0.113.77 ping statistics ---
2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 203ms
"""
PING_PARTIAL = """PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.
64 bytes from 198.51.100.1: icmp_seq=2 ttl=63 time=0.08 ms

--- 198.51.100.1 ping statistics ---
15 packets transmitted, 7 received, 53.3333% packet loss, time 2810ms
rtt min/avg/max/mdev = 0.061/0.080/0.120/0.010 ms
"""
BUSYBOX = """PING 10.0.0.1 (10.0.0.1): 56 data bytes

--- 10.0.0.1 ping statistics ---
3 packets transmitted, 0 packets received, 100% packet loss
"""
MACOS = """PING 192.168.64.5 (192.168.64.5): 56 data bytes
ping: sendto: No route to host
Request timeout for icmp_seq 0

--- 192.168.64.5 ping statistics ---
1 packets transmitted, 0 packets received, 100.0% packet loss
"""


def test_ping_ok():
    r = iputils.parse_ping(PING_OK)
    assert r.ok and r.transmitted == 3 and r.received == 3 and r.loss_percent == 0 and r.rtt_avg_ms == 0.065


def test_ping_guide_no_reply():
    r = iputils.parse_ping(PING_GUIDE_LOSS)
    assert not r.ok and r.loss_percent == 100 and "0/3 replies" in r.summary()


def test_ping_unreachable_keeps_the_reason():
    r = iputils.parse_ping(PING_UNREACHABLE)
    assert not r.ok and r.error == "Destination Net Unreachable"


def test_ping_partial_loss():
    r = iputils.parse_ping(PING_PARTIAL)
    assert r.ok and 53 < r.loss_percent < 54


@pytest.mark.parametrize("text", [BUSYBOX, MACOS])
def test_ping_other_implementations(text):
    assert not iputils.parse_ping(text).ok


def test_ping_error_only():
    r = iputils.parse_ping("ping: connect: Network is unreachable\n")
    assert (r.transmitted, r.received, r.error) == (0, 0, "Network is unreachable")


def test_ping_nonroot_interval_refused_is_data():
    r = iputils.parse_ping("ping: cannot flood; minimal interval allowed for user is 200ms\n")
    assert not r.ok and "cannot flood" in r.error


def test_ping_garbage():
    with pytest.raises(ParseError):
        iputils.parse_ping("hello\n")


# ---- arping --------------------------------------------------------------------------------

ARPING_OK = """ARPING 10.97.23.200 from 10.97.23.1 mpqemubr0
Unicast reply from 10.97.23.200 [52:54:00:64:00:01]  0.612ms
Unicast reply from 10.97.23.200 [52:54:00:64:00:01]  0.540ms
Sent 2 probes (1 broadcast(s))
Received 2 response(s)
"""
ARPING_NONE = """ARPING 192.168.64.200 from 192.168.64.1 bridge100
Sent 2 probes (2 broadcast(s))
Received 0 response(s)
"""
HABETS = """ARPING 192.168.64.5
60 bytes from 52:54:00:ab:cd:ef (192.168.64.5): index=0 time=1.2 msec
60 bytes from 52:54:00:ab:cd:ef (192.168.64.5): index=1 time=1.1 msec

--- 192.168.64.5 statistics ---
2 packets transmitted, 2 packets received,   0% unanswered (0 extra)
"""


def test_arping_reply():
    r = iputils.parse_arping(ARPING_OK)
    assert r.answered and r.received == 2 and r.macs == ("52:54:00:64:00:01",) and r.interface == "mpqemubr0"


def test_arping_silence():
    r = iputils.parse_arping(ARPING_NONE)
    assert not r.answered and r.sent == 2 and r.target == "192.168.64.200"


def test_arping_habets():
    r = iputils.parse_arping(HABETS)
    assert r.answered and r.macs == ("52:54:00:ab:cd:ef",)


def test_arping_error_only():
    r = iputils.parse_arping("arping: unknown iface bridge9\n")
    assert not r.answered and r.error == "unknown iface bridge9"


def test_arping_garbage():
    with pytest.raises(ParseError):
        iputils.parse_arping("nothing useful\n")


# ---- dig ------------------------------------------------------------------------------------

DIG_918_OK = """
; <<>> DiG 9.18.28-0ubuntu0.24.04.1-Ubuntu <<>> +time=2 +tries=1 @192.168.252.1 google.ie
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 20833
;; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1

;; OPT PSEUDOSECTION:
; EDNS: version: 0, flags:; udp: 1232
;; QUESTION SECTION:
;google.ie.\t\t\tIN\tA

;; ANSWER SECTION:
google.ie.\t\t300\tIN\tA\t142.250.179.195

;; Query time: 12 msec
;; SERVER: 192.168.252.1#53(192.168.252.1) (UDP)
;; WHEN: Fri Nov 20 10:00:03 UTC 2026
;; MSG SIZE  rcvd: 54
"""
DIG_918_REFUSED = """;; communications error to 127.0.0.1#53: connection refused

; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +time=1 +tries=1 @127.0.0.1 google.ie
; (1 server found)
;; global options: +cmd
;; no servers could be reached
"""
DIG_918_TIMEOUT = """;; communications error to 192.168.252.1#53: timed out

; <<>> DiG 9.18.28-0ubuntu0.24.04.1-Ubuntu <<>> +time=2 +tries=1 @192.168.252.1 google.ie
; (1 server found)
;; global options: +cmd
;; no servers could be reached
"""
DIG_GUIDE_TIMEOUT = """
; <<>> DiG 9.10.3-P4-Ubuntu <<>> google.ie
;; global options: +cmd
;; connection timed out; no servers could be reached
"""
DIG_NXDOMAIN = """; <<>> DiG 9.18.49-1~deb12u3-Debian <<>> +time=1 +tries=1 @203.0.113.9 google.ie
; (1 server found)
;; global options: +cmd
;; Got answer:
;; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 33930
;; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 0, ADDITIONAL: 1

;; QUESTION SECTION:
;google.ie.\t\t\tIN\tA

;; Query time: 4 msec
;; SERVER: 203.0.113.9#53(203.0.113.9) (UDP)
"""
DIG_RETRY_THEN_OK = ";; communications error to 10.97.23.1#53: timed out\n" + DIG_918_OK
DIG_CNAME = DIG_918_OK.replace("google.ie.\t\t300\tIN\tA\t142.250.179.195",
                               "google.ie.\t\t300\tIN\tCNAME\twww.google.ie.\nwww.google.ie.\t300\tIN\tA\t142.250.1.1")
DIG_UDP_SETUP = (";; UDP setup with 198.51.100.53#53(198.51.100.53) for google.ie failed: network unreachable.\n"
                 ";; no servers could be reached\n")


def test_dig_answer():
    r = dig.parse_dig(DIG_918_OK)
    assert r.resolved and r.answers == ("142.250.179.195",) and r.server == "192.168.252.1"


def test_dig_refused_918():
    r = dig.parse_dig(DIG_918_REFUSED)
    assert not r.resolved and r.status is None and "connection refused" in r.error


def test_dig_timeout_918_keeps_the_specific_line():
    r = dig.parse_dig(DIG_918_TIMEOUT)
    assert r.error == "communications error to 192.168.252.1#53: timed out"


def test_dig_timeout_guide_910():
    assert dig.parse_dig(DIG_GUIDE_TIMEOUT).error == "connection timed out; no servers could be reached"


def test_dig_nxdomain_is_an_answer_but_not_resolved():
    r = dig.parse_dig(DIG_NXDOMAIN)
    assert r.status == "NXDOMAIN" and not r.resolved and r.summary() == "status NXDOMAIN"


def test_dig_header_after_a_failed_try_wins():
    assert dig.parse_dig(DIG_RETRY_THEN_OK).resolved


def test_dig_cname_chain():
    assert dig.parse_dig(DIG_CNAME).answers == ("142.250.1.1",)


def test_dig_udp_setup_failure():
    assert "network unreachable" in dig.parse_dig(DIG_UDP_SETUP).error


def test_dig_tool_error():
    assert "couldn't get address" in dig.parse_dig("dig: couldn't get address for 'nope': not found\n").error


def test_dig_garbage():
    with pytest.raises(ParseError):
        dig.parse_dig("bash: dig: command not found\n")


# ---- resolver --------------------------------------------------------------------------------

RESOLV_STUB = """# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).
# Do not edit.
nameserver 127.0.0.53
options edns0 trust-ad
search .
"""
RESOLV_LAB = "nameserver 10.97.23.1\n"


def test_resolv_conf_stub():
    conf = resolver.parse_resolv_conf(RESOLV_STUB)
    assert conf.nameservers == ("127.0.0.53",) and conf.uses_stub and "edns0" in conf.options
    assert "systemd-resolved" in conf.describe()


def test_resolv_conf_plain_and_comments():
    conf = resolver.parse_resolv_conf("; comment\n" + RESOLV_LAB + "nameserver 1.1.1.1 # added\n")
    assert conf.nameservers == ("10.97.23.1", "1.1.1.1") and not conf.uses_stub


def test_resolv_conf_empty():
    assert "no nameserver" in resolver.parse_resolv_conf("").describe()


def test_resolv_conf_bad_nameserver():
    with pytest.raises(ParseError):
        resolver.parse_resolv_conf("nameserver dns.example\n")


def test_getent_hosts_and_ahostsv4():
    assert resolver.parse_getent_hosts("2a00:1450:400b:c01::5e google.ie\n") == ("2a00:1450:400b:c01::5e",)
    ahosts = "198.51.100.80   STREAM google.ie\n198.51.100.80   DGRAM  \n198.51.100.80   RAW    \n"
    assert resolver.parse_getent_hosts(ahosts) == ("198.51.100.80",)
    assert resolver.parse_getent_hosts("") == ()


def test_getent_garbage():
    with pytest.raises(ParseError):
        resolver.parse_getent_hosts("face google.ie\n")
    with pytest.raises(ParseError):
        resolver.parse_getent_hosts("getent: command not found\n")


# ---- facts ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("address,bogus", [
    ("198.18.0.42", True), ("198.19.255.1", True), ("0.0.0.0", True), ("127.0.0.1", True),
    ("169.254.1.1", True), ("224.0.0.1", True), ("::1", True), ("::", True),
    ("142.250.179.195", False), ("198.51.100.80", False), ("10.1.2.3", False), ("2a00:1450::5e", False),
    ("198.20.0.1", False),
])
def test_bogus_ranges(address, bogus):
    assert (facts.bogus_reason(address) is not None) is bogus


def test_no_ip_placeholders_across_releases():
    def listed(ipv4):
        return parse_list(json.dumps({"list": [{"name": "p", "state": "Running", "ipv4": ipv4}]}))[0].ipv4

    assert listed(["N/A"]) == () and listed([]) == () and listed(["--"]) == ()
    assert listed(["UNKNOWN", "192.168.252.3", "fe80::1"]) == ("192.168.252.3",)


def test_pick_alias_avoids_taken_and_special():
    net = ipaddress.IPv4Network("10.97.23.0/24")
    alias = facts.pick_alias(net, ["10.97.23.254", "10.97.23.1", "10.97.23.2"])
    assert alias == "10.97.23.253"


def test_the_arp_alias_is_in_the_management_network_beside_every_address_of_the_link():
    """The check and the prefetch that adds the alias ahead of it both ask arp_alias: the
    management address's network (not the link's first address's), none of its addresses."""
    iface = lambda a: ipaddress.IPv4Interface(a)  # noqa: E731
    link = iproute.Link("eth0", True, (), None, (iface("192.168.7.5/24"), iface("10.97.23.4/24"), iface("10.97.23.254/24")))
    assert facts.arp_alias(link, "10.97.23.4", ["10.97.23.253"]) == ("10.97.23.252", "10.97.23.252/24")
    assert facts.arp_alias(link, "10.97.23.9", []) == ("192.168.7.254", "192.168.7.254/24")  # not held: the first's
    small = iproute.Link("eth0", True, (), None, (iface("10.0.0.1/30"),))
    assert facts.arp_alias(small, "10.0.0.1", ["10.0.0.2"]) is None  # no free address


def test_bridge_facing_picks_the_most_specific():
    ifs = {"lo": [ipaddress.IPv4Interface("127.0.0.1/8")],
           "wan0": [ipaddress.IPv4Interface("203.0.113.2/24")],
           "bridge100": [ipaddress.IPv4Interface("192.168.64.1/24")],
           "en0": [ipaddress.IPv4Interface("192.168.0.10/16")]}
    assert facts.bridge_facing(ifs, "192.168.64.7")[0] == "bridge100"
    assert facts.bridge_facing(ifs, "172.16.0.1") is None
