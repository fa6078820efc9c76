"""The macOS scenarios: one entry each, a `Mac` (scenarios/macos/formats.py) with one fault or
variant and the outcomes the suite must reach; then the `instance-*` entries, a host entry
plus what a recording of the instance side holds (scenarios/macos/guest.py). Built by
`python scenarios/build.py macos`.

Why this module is over 300 lines: it is the list of scenarios itself, one entry each.
"""

from __future__ import annotations

from dataclasses import replace

from mpdiag import catalog
from mpdiag.instances import launch_argv
from scenarios import way_out
from scenarios.build import Out, Scenario, host_ids
from scenarios.macos import guest
from scenarios.macos.formats import HERE, LSOF_HEAD, RECORDED, UDP67, Inst, Mac, multipass_list, probes

IDS = tuple(host_ids("macos"))
QEMU_ONLY = tuple(i for i in IDS if i not in ("macos.multipass.daemon", "macos.multipass.driver",
                                                "macos.interference.little_snitch", "macos.logs.known_errors"))
PARAMS = {"dns_gateway": lambda m: {"server": m.gateway, "name": "google.ie"},
          "multipass_instance_bridged": lambda m: {"vm": m.instances[0].name}}
SCENARIOS: dict[str, Scenario] = {}


def host_probes(m: Mac) -> dict[str, Out]:
    """A recording of this Mac: `formats.probes(m)` with each probe's params."""
    out = {}
    running = [i for i in m.instances if i.state == "Running" and i.ipv4]
    for name, (stdout, meta) in probes(m).items():
        meta = meta or {}
        params = PARAMS[name](m) if name in PARAMS else {}
        if name.startswith("ping_instance_") and running:
            params = {"ip": running[0].ipv4[0]}
        out[name] = Out(stdout, meta.get("rc", 0), meta.get("stderr", ""), meta.get("timed_out", False), params)
    return out


def expected(m: Mac, **outcomes: str) -> dict[str, str]:
    """Every macOS check: passed, except where this Mac makes it not apply, then the overrides
    (keyword names are the IDs without `macos.` and with `__` for dots). Instance checks are
    listed only where they fail (the bundles hold no in-instance probes: they skip)."""
    out = dict.fromkeys(IDS, "passed")
    out["macos.route.vpn_nat"] = "skipped"  # no VPN owns the default route
    out["macos.multipass.image_servers"] = "skipped"  # `find` is not in these bundles (only the way-out-* bundles hold it)
    if m.version_tuple() >= (1, 16, 2):
        out["macos.vmnet.subnet_in_192_168"] = "skipped"  # Multipass sets the subnet itself
    # bridged networking and zones: only recordings that hold their probes judge them
    out["macos.bridged.setting_valid"] = "passed" if m.bridged else "skipped"
    out["macos.zones.subnets_free"] = "passed" if isinstance(m.zones, tuple) else "skipped"
    if m.daemon and m.driver in ("qemu", "applevz", "hyperkit") and any(
            i.state == "Unknown" or (i.state == "Running" and not i.ipv4) for i in m.instances):
        out["instance.state.running_with_ip"] = "failed"
    for key, value in outcomes.items():
        cid = key if key in catalog.BY_ID else "macos." + key.replace("__", ".")
        assert cid in catalog.BY_ID, cid
        out[cid] = value
    return out


# --- the scenarios --------------------------------------------------------------------

H = Mac()  # Multipass 1.16.3 on macOS 15.1: 192.168.252.0/24 on bridge100
V64 = replace(H, multipass="1.15.1+mac", net="192.168.64",
              instances=(Inst("primary", ipv4=("192.168.64.2",)),),
              leases=(("primary", "192.168.64.2"), ("old-vm", "192.168.64.5")))
UNKNOWN = (Inst("primary", state="Unknown"),)
OPENVPN = ((8120, "OpenVPN Connect", "/Applications/OpenVPN Connect/OpenVPN Connect.app/Contents/MacOS/OpenVPN Connect"),
           (8133, "ovpnagent", None))
DEF1 = (("0/1", "10.8.0.5", "UGScg"), ("10.8/16", "10.8.0.5", "UGSc"), ("128.0/1", "10.8.0.5", "UGSc"))
DNS_TIMEOUT = {"answers": [], "error": "timeout"}
SNITCH = ((611, "at.obdev.littlesnitch.networkextension", None), (1402, "Little Snitch Agent",
          "/Applications/Little Snitch.app/Contents/Components/Little Snitch Agent.app/Contents/MacOS/Little Snitch Agent"))

# a real multipassd.log excerpt (hyperkit, Multipass 1.1.0, issue #1505), as copied for the selftests
CORPUS_1505 = (HERE.parent.parent / "selftests" / "data" / "corpus" / "macos" / "logs"
               / "multipassd_log__1505__1.txt").read_text()

MACS: dict[str, Mac] = {}


def scenario(name: str, about: str, m: Mac, inside: dict | None = None, known: tuple[int, ...] = (),
             **outcomes: str) -> None:
    """One Mac; `inside`: what a recording of the first instance's side holds (probe -> Out);
    `known`: the upstream issues (mpdiag/known_issues.py) the diagnosis must name."""
    MACS[name] = m
    SCENARIOS[name] = Scenario("macos", about, host_probes(m), expected(m, **outcomes), os_version=f"macOS {m.macos}",
                               multipass_version=m.multipass, recorded=RECORDED.isoformat(timespec="seconds"),
                               known_issues=known, instances={m.instances[0].name: inside} if inside else {})


scenario("healthy", "Multipass 1.16.3 on macOS 15.1, one instance on 192.168.252.0/24 (bridge100): every check "
         "passes or does not apply", H)
scenario("healthy-vmnet-default", "Multipass 1.15.1: vmnet's own subnet 192.168.64.0/24 from Shared_Net_Address", V64)
scenario("two-bridges", "Docker Desktop holds bridge100 (192.168.64.0/24); Multipass 1.16.3 is on bridge101 "
         "(192.168.252.0/24)", replace(H, bridge="bridge101", other_bridges=(("bridge100", "192.168.64"),)))
scenario("firewall-block-all", "the firewall blocks all incoming connections: the instance never got a lease",
         replace(H, instances=UNKNOWN, blockall="Firewall has block all state set to enabled."),
         firewall__block_all="failed", vmnet__bridge_exists="skipped", privacy__local_network="skipped")
scenario("bootpd-blocked", "after a macOS update the firewall blocks /usr/libexec/bootpd",
         replace(H, instances=UNKNOWN,
                 bootpd_rule="The application /usr/libexec/bootpd is blocked from receiving incoming connections"),
         firewall__bootpd_allowed="failed", vmnet__bridge_exists="skipped", privacy__local_network="skipped")
scenario("bootpd-not-listening", "nothing holds UDP 67 while an instance waits for a lease",
         replace(H, instances=UNKNOWN, udp67=()),
         dhcp__bootpd_listening="failed", vmnet__bridge_exists="skipped", privacy__local_network="skipped")
scenario("dhcp-squatter", "a Homebrew ISC dhcpd holds UDP 67 beside launchd",
         replace(H, instances=UNKNOWN, udp67=UDP67[:2] + (
             ("dhcpd", 812, "root", "7u", "IPv4", "0x9b76825c1183a1c7", "UDP", "*:67"),),
                 procs_extra=((812, "dhcpd", None),)),
         dhcp__port67_exclusive="failed", vmnet__bridge_exists="skipped", privacy__local_network="skipped")
scenario("dns-squatter-dnscrypt", "dnscrypt-proxy (Homebrew, default config) holds 127.0.0.1:53",
         replace(H, port53_extra=(
             ("dnscryptp", 11037, "root", "9u", "IPv4", "0x9b047728d4f7737f", "UDP", "127.0.0.1:53"),
             ("dnscryptp", 11037, "root", "10u", "IPv4", "0x3ca453c63cee4d4e", "TCP", "127.0.0.1:53 (LISTEN)")),
                 procs_extra=((11037, "dnscrypt-proxy", None),), dns=DNS_TIMEOUT),
         dns__port53_exclusive="failed", dns__gateway_answers="failed", interference__dns_tools="warned")
scenario("dns-squatter-umbrella", "Cisco Umbrella Roaming Client's dnscrypt-proxy holds 127.0.0.1:53",
         replace(H, port53_extra=(
             ("dnscrypt-", 398, "root", "7u", "IPv4", "0x9b047728d4f2237f", "UDP", "127.0.0.1:53"),
             ("dnscrypt-", 398, "root", "8u", "IPv4", "0x9b047728d4f2299e", "TCP", "127.0.0.1:53 (LISTEN)")),
                 procs_extra=((398, "dnscrypt-proxy", None), (1533, "UmbrellaMenu",
                              "/Applications/OpenDNS Roaming Client/UmbrellaMenu.app/Contents/MacOS/UmbrellaMenu")),
                 dns=DNS_TIMEOUT),
         dns__port53_exclusive="failed", dns__gateway_answers="failed", interference__dns_tools="warned")
scenario("dns-gateway-silent", "Little Snitch denies mDNSResponder: the gateway's DNS times out",
         replace(H, procs_extra=SNITCH, dns=DNS_TIMEOUT),
         dns__gateway_answers="failed", interference__little_snitch="warned")
scenario("vpn-route-hijack", "Cisco Secure Client (split tunnel) routes 192.168.252.0/24 into utun4",
         replace(H, vpn_if=("utun4", "10.20.30.40"), drop_bridge_route=True, ping_user="timeout",
                 vpn_routes=(("10/8", "10.20.0.1", "UGSc"), ("192.168.252/24", "10.20.0.1", "UGSc")),
                 procs_extra=((302, "vpnagentd", None), (1610, "Cisco Secure Client",
                              "/Applications/Cisco/Cisco Secure Client.app/Contents/MacOS/Cisco Secure Client"))),
         route__subnet_on_bridge="failed", interference__vpn_clients="warned", privacy__local_network="skipped")
scenario("vpn-no-nat", "OpenVPN Connect owns the default route (def1) and pf has no NAT for the bridge on utun5",
         replace(H, vpn_if=("utun5", "10.8.0.6"), vpn_routes=DEF1, procs_extra=OPENVPN),
         route__vpn_nat="failed", interference__vpn_clients="warned")
scenario("vpn-with-nat", "the same VPN, with issue #495's NAT rule loaded: instances reach the internet",
         replace(H, vpn_if=("utun5", "10.8.0.6"), vpn_routes=DEF1, procs_extra=OPENVPN,
                 pf_extra=("nat on utun5 inet from 192.168.252.0/24 to any -> (utun5) round-robin",)),
         route__vpn_nat="passed", interference__vpn_clients="warned")
scenario("tunnelblick-fine", "Tunnelblick's openvpn with a split tunnel: the guide says it does not cause problems",
         replace(H, vpn_if=("utun6", "10.9.0.2"), vpn_routes=(("10.9/16", "10.9.0.1", "UGSc"),),
                 procs_extra=((733, "openvpn", None), (1720, "Tunnelblick",
                              "/Applications/Tunnelblick.app/Contents/MacOS/Tunnelblick"))))
scenario("subnet-outside-192-168", "Shared_Net_Address was set to 10.0.64.1: Multipass 1.15 cannot find the instance",
         replace(V64, plist="10.0.64.1", net="10.0.64", instances=UNKNOWN, leases=(("primary", "10.0.64.2"),)),
         vmnet__subnet_in_192_168="failed", vmnet__bridge_exists="skipped", privacy__local_network="skipped")
scenario("leases-mismatch", "the user put Shared_Net_Address back to 192.168.64.1 but the newest lease is "
         "192.168.66.3: bootpd will move the subnet back",
         replace(V64, bridge=None, instances=(Inst("primary", state="Stopped"),), port53_mdns=False,
                 leases=(("primary", "192.168.66.3"), ("primary", "192.168.64.2"))),
         vmnet__leases_match_subnet="failed", vmnet__bridge_exists="skipped", route__subnet_on_bridge="skipped",
         dns__gateway_answers="skipped", privacy__local_network="skipped")
scenario("no-bridge", "an instance is Running but vmnet could not create its interface",
         replace(H, bridge=None, instances=(Inst("primary"),),
                 log="[2026-11-20T09:58:12.087] [info] [primary] process state changed to Starting\n"
                     "[2026-11-20T09:58:12.104] [warning] [qemu-system-aarch64] [4821] qemu-system-aarch64: -nic "
                     "vmnet-shared,start-address=192.168.252.1,end-address=192.168.252.254,subnet-mask=255.255.255.0"
                     ",model=virtio-net-pci,mac=52:54:00:25:fa:8a: cannot create vmnet interface: VMNET_FAILURE\n"
                     "[2026-11-20T09:58:12.110] [info] [primary] process state changed to Running\n"),
         vmnet__bridge_exists="failed", route__subnet_on_bridge="skipped", dns__gateway_answers="skipped",
         privacy__local_network="skipped", logs__known_errors="failed")
scenario("log-vmnet-failure", "hyperkit could not create the vmnet interface while a USB-C hub was plugged in: "
         "the log is the real excerpt of issue #1505 (2020); the instance never got an address",
         replace(H, bridge=None, instances=(Inst("foo", state="Unknown"),), log=CORPUS_1505),
         vmnet__bridge_exists="skipped", route__subnet_on_bridge="skipped", dns__gateway_answers="skipped",
         privacy__local_network="skipped", logs__known_errors="failed")
scenario("log-sharing-service", "a bridged launch failed: Internet Sharing holds en0, vmnet says `conflict, sharing "
         "service is in use` (#2599); the shared-network instance is fine",
         replace(H, log="[2026-11-20T09:58:12.087] [info] [bridged1] process state changed to Starting\n"
                        "[2026-11-20T09:58:12.104] [warning] [qemu-system-aarch64] [4821] qemu-system-aarch64: -nic "
                        "vmnet-bridged,ifname=en0,model=virtio-net-pci,mac=52:54:00:c4:1e:07: cannot create vmnet "
                        "interface: conflict, sharing service is in use\n"
                        "[2026-11-20T09:58:12.110] [error] [bridged1] process state changed to Off\n"),
         logs__known_errors="failed")
scenario("leases-missing", "Multipass 1.14.0 on macOS 14.6 and /var/db/dhcpd_leases was deleted",
         replace(V64, macos="14.6", multipass="1.14.0+mac", instances=UNKNOWN, leases_file=False,
                 log="".join(f"[2026-11-20T09:{m:02d}:07.412] [warning] [primary] Cannot open dhcpd_leases "
                             "file: /var/db/dhcpd_leases\n" for m in (52, 53, 54))
                     + "[2026-11-20T09:55:41.003] [error] [primary] timed out waiting for response\n"),
         dhcp__leases_file_present="failed", vmnet__leases_match_subnet="skipped", vmnet__bridge_exists="skipped",
         privacy__local_network="skipped", logs__known_errors="failed")
scenario("leases-missing-newer", "/var/db/dhcpd_leases is absent but Multipass 1.16.3 reads arp -an",
         replace(H, leases_file=False),
         dhcp__leases_file_present="skipped", vmnet__leases_match_subnet="skipped")
scenario("little-snitch", "Little Snitch runs; nothing is broken now", replace(H, procs_extra=SNITCH),
         interference__little_snitch="warned")
scenario("dns-tools", "cloudflared proxy-dns runs on port 5053 (not 53)",
         replace(H, procs_extra=((9051, "cloudflared", "/opt/homebrew/Cellar/cloudflared/2024.11.0/bin/cloudflared"),)),
         interference__dns_tools="warned")
scenario("old-multipass-sequoia", "Multipass 1.14.0 on macOS 15.1: leases carry no MAC, the instance stays Unknown",
         replace(V64, multipass="1.14.0+mac", instances=UNKNOWN), known=(3661,),
         multipass__version_fits_os="failed", vmnet__bridge_exists="skipped", privacy__local_network="skipped")
scenario("old-multipass-tahoe", "Multipass 1.16.1 on macOS 26.0: vmnet's 192.168.2.0/24 is also the home LAN",
         replace(V64, macos="26.0", multipass="1.16.1+mac", net="192.168.2", collision=True, plist=None,
                 instances=(Inst("gcc-cobol", ipv4=("192.168.2.2",), release="Ubuntu 22.04 LTS"),),
                 leases=(("gcc-cobol", "192.168.2.2"),), ping_user="timeout"), known=(4383,),
         multipass__version_fits_os="failed", vmnet__subnet_collision="failed",
         route__subnet_on_bridge="failed", privacy__local_network="skipped")
scenario("subnet-collision", "the LAN on en0 is 192.168.64.0/24, like vmnet's subnet (Multipass 1.15.1)",
         replace(V64, collision=True, ping_user="timeout"),
         vmnet__subnet_collision="failed", route__subnet_on_bridge="failed", privacy__local_network="skipped")
scenario("local-network-privacy", "macOS 15: the terminal may not reach the instance, root can",
         replace(H, ping_user="noroute"), privacy__local_network="failed")
scenario("daemon-down", "multipassd does not answer; the host side is still checked",
         replace(H, daemon=False, bridge=None),
         multipass__daemon="failed", multipass__driver="skipped", vmnet__bridge_exists="skipped",
         dhcp__leases_file_present="skipped", route__subnet_on_bridge="skipped", dns__gateway_answers="skipped",
         privacy__local_network="skipped")
scenario("driver-virtualbox", "Multipass 1.16.3 on an Intel Mac with the VirtualBox driver: the QEMU/vmnet checks "
         "skip", replace(H, macos="14.7", driver="virtualbox", instances=(Inst("primary"),)),
         multipass__driver="skipped", **{k[len("macos."):].replace(".", "__"): "skipped" for k in QEMU_ONLY})
scenario("no-root", "sudo -n wants a password: lsof, pfctl and tail of multipassd.log cannot run, their checks "
         "skip", replace(H, no_root=True),
         dhcp__bootpd_listening="skipped", dhcp__port67_exclusive="skipped", dns__port53_exclusive="skipped",
         logs__known_errors="skipped")
scenario("garbled-lsof", "the port-53 lsof output is cut mid-row: the check errors, never passes",
         replace(H, garbled={"lsof_port53": LSOF_HEAD + "mDNSRespo 255 _mdnsrespon"}),
         dns__port53_exclusive="error")
scenario("probe-timeout", "netstat -rn timed out: the routing checks error",
         replace(H, timeouts=("netstat_routes",)),
         route__subnet_on_bridge="error", route__vpn_nat="error")



scenario("hyperkit", "Multipass 1.12.2 with the hyperkit driver on macOS 13.6 (Intel): the same vmnet bridge and "
         "bootpd as QEMU, so every vmnet check runs", replace(V64, macos="13.6", multipass="1.12.2+mac",
                                                             driver="hyperkit"),
         privacy__local_network="skipped")
scenario("list-failed", "`multipass list` fails with `list failed: IP not available` (Multipass main): a finding "
         "with the daemon's words, the checks that need the instances skip",
         replace(H, multipass="1.17.0-dev.1412+g1e2d3c4.mac", list_error="list failed: IP not available"),
         **{"instance.state.listed": "failed", "dhcp__leases_file_present": "skipped",
            "vmnet__bridge_exists": "skipped", "privacy__local_network": "skipped"})



# ---- bridged networking, zones, a stale address (issue 11) -------------------------------------

def _two_nics(extra: str | None) -> str:
    """The guest's `ip -j addr`: enp0s1 on vmnet, enp0s2 bridged onto en0 (with `extra` or no IPv4)."""
    links = guest.json.loads(guest.ip_addr([guest.IP]))
    addr = ([{"family": "inet", "local": extra, "prefixlen": 24, "metric": 200, "broadcast": "192.168.1.255",
              "scope": "global", "dynamic": True, "label": "enp0s2", "valid_life_time": 85962,
              "preferred_life_time": 85962}] if extra else [])
    links.append({"ifindex": 3, "ifname": "enp0s2", "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
                  "mtu": 1500, "qdisc": "fq_codel", "operstate": "UP", "group": "default", "txqlen": 1000,
                  "addr_info": addr})
    return guest.json.dumps(links, separators=(",", ":")) + "\n"


MAIN = "1.17.0-dev.1412+g1e2d3c4.mac"
ZONES = (("zone1", True, "192.168.252.0/24"), ("zone2", True, "192.168.253.0/24"), ("zone3", True, "192.168.254.0/24"))
BRIDGED = replace(H, bridged="en0", bridged_instances=("primary",), info=True,
                  instances=(Inst("primary", ipv4=("192.168.252.2", "192.168.1.77")),))
scenario("bridged-healthy", "primary is bridged onto en0 (`local.bridged-network=en0`, listed by `multipass "
         "networks`): its second NIC has 192.168.1.77 from the LAN", BRIDGED,
         {"ip_addr": Out(_two_nics("192.168.1.77"))},
         **{"instance.bridged.nic_configured": "passed", "instance.state.ip_current": "passed"})
scenario("bridged-setting-invalid", "`local.bridged-network` is en7 (a dock that is gone): `multipass networks` "
         "does not list it, so `launch --bridged` fails", replace(H, bridged="en7"),
         bridged__setting_valid="failed")
scenario("bridged-nic-no-address", "primary is bridged onto en0 but its enp0s2 has no IPv4 (the LAN's DHCP never "
         "answered it)", replace(BRIDGED, instances=(Inst("primary", ipv4=("192.168.252.2",)),)),
         {"ip_addr": Out(_two_nics(None))}, **{"instance.bridged.nic_configured": "failed"})
scenario("stale-ip", "Multipass 1.16.3 still reports 192.168.252.2 for primary, whose lease is now 192.168.252.3 "
         "(#3772: the cached address is never re-validated); exec to the old address fails",
         replace(H, leases=(("primary", "192.168.252.3"), ("primary", "192.168.252.2")), ping_user="timeout"),
         {"ip_addr": Out("", 2, guest.EXEC_FAILED)}, known=(3772,),
         privacy__local_network="skipped", **{"instance.state.ip_current": "failed"})
# AppleVZ (main, `local.driver=applevz`): vmnet shared mode and bootpd as with QEMU, so every vmnet check runs
AVZ = replace(H, multipass=MAIN, driver="applevz")
scenario("applevz-healthy", "Multipass main with the AppleVZ driver on macOS 15.1: vmnet's shared mode and bootpd "
         "as with QEMU, so every vmnet check runs and passes", AVZ)
scenario("applevz-stale-ip", "Multipass main with the AppleVZ driver: management_ip is cached and never cleared "
         "(#5075, open), so primary's old 192.168.252.2 is still reported while its lease is now 192.168.252.3",
         replace(AVZ, leases=(("primary", "192.168.252.3"), ("primary", "192.168.252.2")), ping_user="timeout"),
         {"ip_addr": Out("", 2, guest.EXEC_FAILED)}, known=(5075,),
         privacy__local_network="skipped", **{"instance.state.ip_current": "failed"})
scenario("zones-healthy", "Multipass main with its three zones on 192.168.252-254.0/24: nothing else uses them",
         replace(H, multipass=MAIN, zones=ZONES))
scenario("zones-collision", "Multipass main: the LAN on en0 moved to 192.168.253.0/24, zone2's subnet (chosen once, "
         "never re-checked)", replace(H, multipass=MAIN, zones=ZONES, lan="192.168.253"),
         zones__subnets_free="failed")
scenario("zones-before-main", "Multipass 1.16.3 has no `zones` command: the zone check skips, saying so",
         replace(H, zones="unknown"))


# ---- the instance side ------------------------------------------------------------------------

INSTANCE_IDS = [c.id for c in catalog.CHECKS if c.side == "instance" and c.id != "instance.state.listed"]
GUEST_PARAMS = {"ping_gateway": {"ip": guest.GW}, "ping_external": {"ip": guest.EXTERNAL_IP},
                "dig_gateway": {"server": guest.GW, "name": guest.NAME},
                "dig_external": {"server": guest.EXTERNAL_DNS, "name": guest.NAME},
                "resolve_name": {"name": guest.NAME}}


def _guest(probes: dict) -> dict[str, Out]:
    """In-instance probes: (stdout, rc, stderr) each, with the params the checks ask for."""
    return {name: Out(v[0], v[1] if len(v) > 1 else 0, v[2] if len(v) > 2 else "", params=GUEST_PARAMS.get(name, {}))
            for name, v in probes.items()}


def instance_scenario(name: str, base: str, about: str, inside: dict, outcomes: dict[str, str],
                      host_extra: dict[str, Out] | None = None) -> None:
    """A host entry's recording plus the instance side: `primary`'s probes and the host-side
    probes the instance checks ran (stealth mode, arping), and the instance checks' outcomes."""
    src = SCENARIOS[base]
    missing = set(INSTANCE_IDS) - set(outcomes)
    assert not missing, (name, missing)
    host = {k: v for k, v in src.outcomes.items() if k.startswith("macos.")}
    SCENARIOS[name] = replace(src, about=f"{about} (host side: the {base} entry)",
                              probes={**src.probes, **(host_extra or {})},
                              instances={"primary": _guest(inside)} if inside else {},
                              outcomes={**host, **outcomes})


def all_passed(**changes: str) -> dict[str, str]:
    out = {i: "passed" for i in INSTANCE_IDS}
    out["instance.launch.gets_ip"] = "skipped"  # not launched by the suite
    out["instance.arp.extra_ips"] = "skipped"  # attached, no extra address: only read
    out["instance.bridged.nic_configured"] = "skipped"  # these recordings hold no bridged setting
    for wid in ("instance.launch.dhcp_exchange", "instance.net.path_mtu", "instance.net.https_external"):
        out[wid] = "skipped"  # their probes are in the way-out scenarios, not in these recordings
    out.update(changes)
    return out


def _healthy() -> dict:
    return {k: (v[0],) for k, v in guest.healthy_instance().items()}


instance_scenario("instance-healthy", "healthy",
                  "primary runs on 192.168.252.2, reaches its gateway, the internet and DNS every way",
                  _healthy(), all_passed())

broken = _healthy()
broken["dig_gateway"] = (guest.dig_timeout(guest.GW), 9)
broken["resolve_name"] = ("", 2)
broken["resolv_conf"] = (guest.RESOLV_STUB,)
instance_scenario("instance-dns-broken", "dns-gateway-silent",
                  "the gateway's DNS (mDNSResponder) does not answer: dig @1.1.1.1 works, dig @gateway and the "
                  "instance's resolver (systemd-resolved -> gateway) do not",
                  broken, all_passed(**{"instance.dns.gateway": "failed", "instance.dns.resolver": "failed"}))

instance_scenario("instance-no-ip", "bootpd-blocked",
                  "the firewall blocks bootpd: primary is Unknown without an IPv4, so nothing runs inside it",
                  {}, {**{i: "skipped" for i in INSTANCE_IDS}, "instance.state.running_with_ip": "failed"})

stealth = _healthy()
stealth["ping_external"] = (guest.ping(guest.EXTERNAL_IP, 8, 0), 1)
instance_scenario("instance-stealth-mode", "healthy",
                  "Stealth Mode is on: ping 1.1.1.1 gets no reply while DNS works every way (the guide's caveat)",
                  stealth, all_passed(**{"instance.net.ping_external": "failed"}),
                  host_extra={"firewall_stealth": Out("Firewall stealth mode is on \n")})

fortinet = _healthy()
fortinet["dig_gateway"] = (guest.dig_answer(guest.GW, "198.18.0.12", 60),)
fortinet["dig_external"] = (guest.dig_answer(guest.EXTERNAL_DNS, "198.18.0.12", 60),)
fortinet["resolve_name"] = (guest.getent("198.18.0.12"),)
instance_scenario("instance-dns-intercepted", "healthy",
                  "security software intercepts DNS: google.ie resolves to 198.18.0.12 everywhere",
                  fortinet, all_passed(**{"instance.dns.answers_sane": "failed"}))

unreachable = {p: ("", 2, guest.EXEC_FAILED) for p in ("ip_addr", "ip_route", "ping_external", "dig_external",
                                                       "resolve_name")}
unreachable["shell_session"] = (guest.shell_failed(),)
instance_scenario("instance-local-network", "local-network-privacy",
                  "macOS 15 Local Network privacy blocks the terminal: shell and exec fail with No route to host",
                  unreachable, {**{i: "skipped" for i in INSTANCE_IDS}, "instance.state.running_with_ip": "passed",
                                "instance.state.ip_current": "passed",
                                "instance.shell.reachable": "failed"})

alias = _healthy()
alias["ip_addr"] = (guest.ip_addr([guest.IP, f"{guest.SUBNET}.200"]),)
HABETS_OK = (f"ARPING {guest.IP}\n60 bytes from 52:54:0:4e:12:8a ({guest.IP}): index=0 time=412.000 usec\n"
             f"60 bytes from 52:54:0:4e:12:8a ({guest.IP}): index=1 time=388.000 usec\n\n--- {guest.IP} statistics ---\n"
             "2 packets transmitted, 2 packets received,   0% unanswered (0 extra)\n"
             "rtt min/avg/max/std-dev = 0.388/0.400/0.412/0.012 ms\n")
HABETS_NONE = (f"ARPING {guest.SUBNET}.200\nTimeout\nTimeout\n\n--- {guest.SUBNET}.200 statistics ---\n"
               "2 packets transmitted, 0 packets received, 100% unanswered (0 extra)\n\n")
ALIAS_LIST = guest.json.dumps({"list": [{"ipv4": [guest.IP, f"{guest.SUBNET}.200"], "name": "primary",
                                         "release": "Ubuntu 24.04 LTS", "state": "Running"}]}, indent=4) + "\n"
instance_scenario("instance-arp-alias", "healthy",
                  "primary has an extra address 192.168.252.200 (metallb): the vmnet bridge drops its ARP replies",
                  alias, all_passed(**{"instance.arp.extra_ips": "failed"}),
                  host_extra={"arping_assigned": Out(HABETS_OK, params={"iface": "bridge100", "ip": guest.IP}),
                              "arping": Out(HABETS_NONE, 1, params={"iface": "bridge100", "ip": f"{guest.SUBNET}.200"}),
                              "multipass_list": Out(ALIAS_LIST)})


# ---- the way out: path MTU, TLS, image servers and the daemon's proxy, the launch's DHCP -------------

LAUNCHED, LAUNCHED_MAC, BRIDGE_MAC = "mpdiag-x1y2z3", "52:54:00:9c:41:07", "be:d0:74:5e:2a:64"
PROXY = "http://proxy.corp.example:3128"
NO_FIND = {"macos.multipass.image_servers": "skipped"}


def way_out_guest(ext_largest: int = 1472, tls: str | None = None, told: tuple[str, int] | None = None) -> dict:
    """primary's way-out probes on top of the healthy guest's: the DF ladders to the gateway
    and to 1.1.1.1 (enp0s1, MTU 1500), the TLS handshake when the check gets that far."""
    inside = {**_guest({k: (v[0],) for k, v in guest.healthy_instance().items()}),
              "ping_df": [*way_out.df_ladder(guest.GW, 1472, ttl=64),
                          *way_out.df_ladder(guest.EXTERNAL_IP, ext_largest, told=told)]}
    if tls is not None:
        inside["tls_handshake"] = way_out.tls_out(tls)
    return inside


def find_probes(ok: bool, daemon_proxy: str | None, shell: dict[str, str]) -> dict[str, Out]:
    """`multipass find`, the daemon's launchd plist and the user's shell environment."""
    find = Out(way_out.FIND_OK) if ok else Out("", 2, way_out.FIND_FAILED)
    return {"multipass_find": find, "launchd_proxy": Out(way_out.plist(daemon_proxy)),
            "shell_proxy_env": Out(way_out.shell_env(shell))}


def way_out_instance(name: str, about: str, inside: dict, host_extra: dict[str, Out], **changes: str) -> None:
    """instance-healthy's machine with the way-out probes; its outcomes, `find` judged."""
    src = SCENARIOS["instance-healthy"]
    SCENARIOS[name] = replace(src, about=f"{about} (host side: the healthy entry)",
                              probes={**src.probes, **host_extra}, instances={"primary": inside},
                              outcomes={**src.outcomes, "macos.multipass.image_servers": "passed", **changes})


def way_out_host(name: str, about: str, host_extra: dict[str, Out], **changes: str) -> None:
    src = SCENARIOS["healthy"]
    SCENARIOS[name] = replace(src, about=f"{about} (the healthy entry's host)", probes={**src.probes, **host_extra},
                              outcomes={**src.outcomes, **changes})


way_out_instance("way-out-healthy", "the way out works: full-size DF pings pass, the TLS handshake with "
                 "cloud-images.ubuntu.com is trusted (Let's Encrypt), `multipass find` lists images, no proxy anywhere",
                 way_out_guest(tls=way_out.s_client_public()), find_probes(True, None, {}),
                 **{"instance.net.path_mtu": "passed", "instance.net.https_external": "passed"})
way_out_instance("way-out-tls-inspection", "Zscaler inspects TLS: cloud-images.ubuntu.com presents a Zscaler-issued "
                 "certificate the instance does not trust", way_out_guest(tls=way_out.s_client_zscaler()), {},
                 **NO_FIND, **{"instance.net.path_mtu": "passed", "instance.net.https_external": "failed"})
way_out_instance("way-out-mtu-blackhole", "a VPN with a smaller MTU drops ICMP 'fragmentation needed': 1472- and "
                 "1400-byte DF pings to 1.1.1.1 vanish, 1300 passes (the gateway takes 1472); the TLS check does "
                 "not judge a handshake that would stall in it", way_out_guest(1300), {},
                 **NO_FIND, **{"instance.net.path_mtu": "failed", "instance.net.https_external": "skipped"})
way_out_instance("way-out-mtu-vpn-says-so", "the same VPN with MTU 1400, whose gateway does send 'Frag needed and "
                 "DF set (mtu = 1400)': a smaller path MTU that TCP finds, no black hole; TLS completes",
                 way_out_guest(1300, way_out.s_client_public(), told=("10.20.0.1", 1400)), {},
                 **NO_FIND, **{"instance.net.path_mtu": "passed", "instance.net.https_external": "passed"})
way_out_host("way-out-proxy-in-shell-only", "a corporate proxy is required; http_proxy is set in the user's shell "
             "only, the launchd plist has none, so multipassd cannot reach the image servers",
             find_probes(False, None, {"http_proxy": PROXY, "https_proxy": PROXY}),
             **{"macos.multipass.image_servers": "failed"})
way_out_host("way-out-proxy-in-plist", "the proxy is in multipassd's launchd plist (EnvironmentVariables): find "
             "lists images", find_probes(True, PROXY, {"http_proxy": PROXY}),
             **{"macos.multipass.image_servers": "passed"})


def dhcp_launch(name: str, about: str, frames: list, launched_ip: str | None, outcome: str) -> None:
    """The healthy Mac with --launch: the launch (rc 0 with an address, else the daemon's
    timeout), tcpdump's capture on bridge100 while it booted, the listing with the new one."""
    ok = launched_ip is not None
    argv = ("sudo", "-n", "tcpdump", "--immediate-mode", "-i", "bridge100", "-n", "-U", "-s", "1500", "-c", "64",
            "-w", "/tmp/mpdiag-dhcp-x1y2.pcap", "udp and (port 67 or port 68)")
    capture = Out(way_out.capture_record("bridge100", H.gateway, way_out.pcap(frames)),
                  stderr="tcpdump: listening on bridge100, link-type EN10MB (Ethernet), snapshot length 1500 bytes\n",
                  argv=argv)
    launch = Out(f"Launched: {LAUNCHED}\n", argv=tuple(launch_argv(LAUNCHED, 300))) if ok else Out(
        "", 2, f"launch failed: The following errors occurred:\n{LAUNCHED}: timed out waiting for response\n",
        argv=tuple(launch_argv(LAUNCHED, 300)))
    listed = replace(H, instances=H.instances + (Inst(LAUNCHED, ipv4=(launched_ip,)) if ok
                                                 else Inst(LAUNCHED, state="Unknown"),))
    src = SCENARIOS["healthy"]
    SCENARIOS[name] = replace(
        src, about=f"{about} (the healthy entry's host, --launch)",
        probes={**src.probes, "dhcp_capture": capture, "multipass_launch": launch,
                "multipass_list": Out(multipass_list(listed))},
        instances={LAUNCHED: {"ip_addr": Out(guest.ip_addr([launched_ip]))}} if ok else {},
        outcomes={**src.outcomes, "instance.launch.dhcp_exchange": outcome,
                  "instance.launch.gets_ip": "passed" if ok else "failed"})


LAUNCHED_IP = f"{guest.SUBNET}.3"
ROGUE = f"{guest.SUBNET}.254"
dhcp_launch("way-out-dhcp-complete", "the launched instance's DHCP exchange with bootpd on bridge100 completes",
            way_out.exchange(LAUNCHED_MAC, BRIDGE_MAC, guest.GW, LAUNCHED_IP, guest.GW, hostname=LAUNCHED),
            LAUNCHED_IP, "passed")
dhcp_launch("way-out-dhcp-no-offer", "bootpd does not answer: the launch's capture shows DISCOVER x3 without OFFER",
            way_out.exchange(LAUNCHED_MAC, BRIDGE_MAC, guest.GW, LAUNCHED_IP, guest.GW, offer=False, discovers=3,
                             hostname=LAUNCHED), None, "failed")
dhcp_launch("way-out-dhcp-rogue", "a rogue DHCP server (a router bridged in by another VM) answers the launch",
            way_out.exchange(LAUNCHED_MAC, "02:42:ac:11:00:02", ROGUE, f"{guest.SUBNET}.77", ROGUE,
                             hostname=LAUNCHED), f"{guest.SUBNET}.77", "failed")
