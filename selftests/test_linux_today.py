"""Today's Multipass on the Linux host (issue 11): the nft parser and walk on real `nft -j` output
(selftests/data/nft/, generated in a lab namespace by nftables 1.0.6: the lab reference's own rulesets,
Debian's default, iptables-nft beside native tables), the host-environment and AppArmor parsers, and
the checks both ways through the real suite (synthetic bundles of test_linux_checks.py)."""

from __future__ import annotations

import ipaddress
import json
from dataclasses import replace
from pathlib import Path

import pytest

from mpdiag.errors import ParseError
from mpdiag.host.rules import hostenv, nft
from mpdiag.host.rules.linux import Bridge, dhcp_packets, forward_packets
from mpdiag.parse.apparmor import parse_denials, parse_journal
from mpdiag.parse.hostenv import parse_detect_virt, parse_host_markers, parse_wslconfig
from mpdiag.parse.nft import parse_nft_json
from selftests.test_linux_checks import assert_remedy, failed_only, run

NFT = Path(__file__).parent / "data" / "nft"
BR = Bridge("mpqemubr0", ipaddress.IPv4Interface("10.97.23.1/24"))


def ruleset(name: str):
    return parse_nft_json((NFT / name).read_text())


def drops(rs, hook: str, packets) -> list[str]:
    return [p.what for p in packets(BR) if nft.first_drop(rs, hook, p) is not None]


# ---------------------------------------------------------------- nft: parser and walk

def test_iptables_nft_tables_are_marked_and_natives_kept():
    rs = ruleset("iptables-nft-and-native.json")
    assert rs.version == "1.0.6"
    marked = {(t.family, t.name): t.iptables_nft for t in rs.tables.values()}
    assert marked == {("inet", "mplab_fwd"): False, ("ip", "filter"): True, ("ip", "natv4"): False}
    fwd = rs.chain("inet", "mplab_fwd", "forward")
    assert (fwd.hook, fwd.prio, fwd.policy, fwd.base) == ("forward", 0, "drop", True)
    assert [r.text for r in rs.chain("ip", "natv4", "fwd2").rules][:2] == [
        'oifname "mpqemubr0" ip daddr 10.97.23.0/24 accept', 'iifname { "virbr0", "mpqemubr0" } jump allowed']


def test_native_forward_drop_drops_outbound_not_the_reply():
    rs = ruleset("native-forward-drop.json")
    assert drops(rs, "forward", forward_packets) == ["outbound (instance -> internet)"]
    v = nft.first_drop(rs, "forward", forward_packets(BR)[0])
    assert v.describe() == "table inet mplab_fwd chain forward (hook forward) policy drop"
    (dhcp,) = [nft.first_drop(rs, "input", p) for p in dhcp_packets(BR) if nft.first_drop(rs, "input", p)]
    assert dhcp.rule.text == 'iifname "mpqemubr0" udp dport 67 drop'


def test_an_accept_in_one_base_chain_does_not_save_a_drop_in_another():
    rs = ruleset("iptables-nft-and-native.json")  # natv4's fwd2 accepts the bridge, mplab_fwd drops it
    verdicts = nft.verdicts(rs, "forward", forward_packets(BR)[0])
    assert [(v.chain.table, v.action) for v in verdicts] == [("mplab_fwd", "drop"), ("natv4", "accept")]
    assert verdicts[1].rule.text == "accept"  # decided in `allowed`, reached by `jump`


def test_rulesets_that_let_the_bridge_through():
    for name in ("debian-default-and-multipass.json", "hardened-accepts-bridge.json"):
        rs = ruleset(name)
        assert drops(rs, "forward", forward_packets) == [] and drops(rs, "input", dhcp_packets) == [], name


def test_the_lab_references_rulesets_uncertain_rules_are_never_accepts():
    rs = ruleset("reference-lab.json")
    assert drops(rs, "forward", forward_packets) == []   # the block table drops only 198.51.100.53
    out = replace(forward_packets(BR)[0], out_iface="wan0")   # the lab's uplink by name
    (loss,) = [v for v in nft.verdicts(rs, "forward", out) if v.chain.table == "mplab_loss"]
    assert loss.accepted and loss.rule is None and [r.text for r in loss.uncertain] == ['oifname "wan0" numgen < 30 drop']
    assert all(c.table != "mplab_arp" for c in nft.base_chains(rs, "forward"))   # bridge family: not IPv4 filter


@pytest.mark.parametrize("text, why", [
    ("", "not JSON"), ("[]", "no `nftables` list"), ('{"nftables": [{"rule": {"family": "ip"}}]}', "without"),
    ('{"nftables": [{"metainfo": {"json_schema_version": 2}}]}', "schema"),
    ('{"nftables": [{"rule": {"family": "ip", "table": "t", "chain": "c", "expr": []}}]}', "unknown chain"),
    ("[" * 100000, "JSON"),
])
def test_nft_garbage_is_one_parse_error(text, why):
    with pytest.raises(ParseError, match=why):
        parse_nft_json(text)


# ---------------------------------------------------------------- host environment, AppArmor: parsers

VM = {"wsl_interop": False, "wsl_distro": None, "osrelease": "6.8.0-49-generic", "dockerenv": False,
      "containerenv": False, "cap_bnd": "000001ffffffffff", "kvm": True, "wslconfigs": []}
WSLCONFIG_MIRRORED = "# WSL settings\n[wsl2]\nmemory=8GB\nnetworkingMode=mirrored ; since 2.0\n[experimental]\n"


def markers(**changes) -> str:
    return json.dumps({**VM, **changes})


def test_detect_virt_and_wslconfig():
    assert parse_detect_virt("docker\n") == "docker" and parse_detect_virt("none\n") == "none"
    with pytest.raises(ParseError):
        parse_detect_virt("<html>")
    assert parse_wslconfig(WSLCONFIG_MIRRORED) == "mirrored"
    assert parse_wslconfig("[WSL2]\nNetworkingMode = NAT\n") == "nat"
    assert parse_wslconfig("[experimental]\nnetworkingMode=mirrored\n") is None  # only [wsl2] counts


def test_classify():
    wsl = parse_host_markers(markers(wsl_interop=True, wsl_distro="Ubuntu-24.04",
                                     osrelease="5.15.167.4-microsoft-standard-WSL2",
                                     wslconfigs=[{"path": "/mnt/c/Users/ana/.wslconfig",
                                                  "content": WSLCONFIG_MIRRORED}]))
    k = hostenv.classify(None, wsl)
    assert (k.kind, k.name, k.networking_mode, k.wslconfig) == ("wsl2", "WSL2 (Ubuntu-24.04)", "mirrored",
                                                                "/mnt/c/Users/ana/.wslconfig")
    assert hostenv.classify("none", parse_host_markers(markers(osrelease="4.4.0-19041-Microsoft"))).kind == "wsl1"
    docker = parse_host_markers(markers(dockerenv=True, cap_bnd="00000000a80425fb"))
    assert hostenv.classify("docker", docker).kind == "container" and docker.net_admin is False
    assert parse_host_markers(markers(cap_bnd="000001fffeffffff")).net_admin is True
    assert hostenv.classify("kvm", parse_host_markers(markers())).kind == "vm"
    with pytest.raises(ParseError):
        parse_host_markers(markers(cap_bnd="zz"))


KERNEL_DENIAL = ('2026-11-27T22:24:39+0000 host kernel: audit: type=1400 audit(1764282279.123:89): apparmor="DENIED" '
                 'operation="open" class="file" profile="snap.multipass.multipassd" '
                 'name="/proc/sys/net/ipv4/ip_forward" pid=2871 comm="multipassd" requested_mask="wr" '
                 'denied_mask="wr" fsuid=0 ouid=0')
AUDIT_DENIAL = ('2026-11-27T22:25:01+0000 host audit[3301]: AVC apparmor="DENIED" operation="exec" '
                'profile="multipass.primary.qemu-system-x86_64" name="/usr/lib/qemu/qemu-bridge-helper" pid=3301 '
                'comm="qemu-system-x86" requested_mask="x" denied_mask="x" fsuid=0 ouid=0')


def test_apparmor_denials():
    other = KERNEL_DENIAL.replace("snap.multipass.multipassd", "snap.firefox.firefox")
    found = parse_denials("\n".join([other, KERNEL_DENIAL, 'apparmor="ALLOWED" profile="x"', AUDIT_DENIAL]))
    assert [d.multipass for d in found] == [False, True, True]
    assert found[1].describe() == ("profile snap.multipass.multipassd denied open of /proc/sys/net/ipv4/ip_forward "
                                   "(denied wr) by multipassd at 2026-11-27T22:24:39+0000")
    assert parse_denials("-- No entries --\n") == []
    assert parse_journal("-- No entries --\n").entries == 0
    j = parse_journal("-- Boot 1a2b --\n" + KERNEL_DENIAL + "\n2026-11-27T22:24:40+0000 host kernel: eth0: link up\n")
    assert j.entries == 2 and len(j.denials) == 1


# ---------------------------------------------------------------- the checks, both ways

def test_native_nft_forward_drop_fails_with_nft_remedy(tmp_path):
    r, got = run(tmp_path, nft_ruleset=(NFT / "native-forward-drop.json").read_text())
    failed_only(got, "linux.firewall.forward", "linux.firewall.dhcp_allowed")
    assert_remedy(r, "linux.firewall.forward", "native nftables table inet mplab_fwd chain forward (hook forward) "
                  "policy drop", 'sudo nft insert rule inet mplab_fwd forward iifname "mpqemubr0" accept')
    assert_remedy(r, "linux.firewall.dhcp_allowed", 'rule `iifname "mpqemubr0" udp dport 67 drop`',
                  "sudo nft insert rule inet mplab_fwd input")


def test_nft_missing_or_not_recorded(tmp_path):
    _, got = run(tmp_path / "a", nft_ruleset=(None, 127, "nft: command not found"))
    failed_only(got)  # no nft: no native table can exist
    r, got = run(tmp_path / "b", nft_ruleset=None)  # a bundle recorded before nftables was read
    for i in ("linux.firewall.forward", "linux.firewall.dhcp_allowed"):
        assert got[i] == "skipped" and "'nft_ruleset' is not recorded" in r.check(i)["message"]


def test_wsl2_mirrored_and_unprivileged_container_fail(tmp_path):
    wsl = markers(wsl_interop=True, wsl_distro="Ubuntu", osrelease="5.15.167.4-microsoft-standard-WSL2",
                  wslconfigs=[{"path": "/mnt/c/Users/ana/.wslconfig", "content": WSLCONFIG_MIRRORED}])
    r, got = run(tmp_path / "wsl", detect_virt="wsl\n", host_markers=wsl)
    failed_only(got, "linux.host.environment")
    assert_remedy(r, "linux.host.environment", "this host is WSL2 (Ubuntu)", "networkingMode=mirrored",
                  "wsl.exe --shutdown")
    r, got = run(tmp_path / "ct", detect_virt="docker\n", host_markers=markers(dockerenv=True, cap_bnd="a80425fb"))
    failed_only(got, "linux.host.environment")
    assert_remedy(r, "linux.host.environment", "docker container without CAP_NET_ADMIN")


def test_privileged_container_warns_and_bare_metal_passes(tmp_path):
    _, got = run(tmp_path / "p", detect_virt="docker\n", host_markers=markers(dockerenv=True))
    failed_only(got, warned=("linux.host.environment",))
    _, got = run(tmp_path / "b", detect_virt=("none\n", 1, "none"))
    failed_only(got)


def test_apparmor_denial_fails_and_no_journal_skips(tmp_path):
    r, got = run(tmp_path / "d", apparmor_journal=KERNEL_DENIAL + "\n" + AUDIT_DENIAL + "\n")
    failed_only(got, "linux.snap.apparmor")
    assert_remedy(r, "linux.snap.apparmor", "2 AppArmor denial(s)", "multipass.primary.qemu-system-x86_64",
                  "sudo snap refresh multipass")
    r, got = run(tmp_path / "n", apparmor_journal=("", 1, "No journal files were found."))
    assert got["linux.snap.apparmor"] == "skipped"
    r, got = run(tmp_path / "e", apparmor_journal="-- No entries --\n")  # a container: journald keeps nothing
    assert got["linux.snap.apparmor"] == "skipped" and "no kernel or audit entries" in r.check(
        "linux.snap.apparmor")["message"]
