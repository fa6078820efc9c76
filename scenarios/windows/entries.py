"""The Windows scenarios: one entry each, the healthy machine (formats.healthy()) with one
fault or variant, and the outcomes the suite must reach (every Windows check `passed`
unless the entry says otherwise). Built by `python scenarios/build.py windows`.

Longer than ~300 lines on purpose: it is data, one entry per Windows scenario (adding a scenario
is one entry here), with the few helpers the entries share."""

from __future__ import annotations

import copy
import json
from dataclasses import replace

from scenarios import way_out
from scenarios.build import Out, Scenario, expect as _expect
from scenarios.windows.formats import *  # noqa: F401,F403 - the renderers and the healthy machine
from scenarios.windows.formats import healthy

HYPERV_ONLY = {
    "windows.hyperv.hypervisor_running", "windows.switch.exists", "windows.switch.hns_healthy",
    "windows.ics.service", "windows.ics.hosts_single_entry", "windows.ics.hosts_matches_instance",
    "windows.ics.hosts_not_corrupted", "windows.portproxy.no_stale_rules", "windows.ics.name_resolves",
}
DEFAULT_OS = "Windows 11 Pro 10.0.22631"
LEGACY_BYTES = ("bcdedit", "excluded_ports")  # cp850 as the console prints them


def expect(**changes: str) -> dict:
    """Every Windows check passed, but the bridged setting and the zones: skipped where the recording
    holds no such probe (only the entries that record them judge them)."""
    return _expect("windows", **{"bridged__setting_valid": "skipped", "zones__subnets_free": "skipped", **changes})


PARAMS = {"mshome_resolve": {"name": "primary"}, "mshome_ssh": {"name": "primary"}}  # the running instance


def _out(probe: str, out: str, rc: int, err: str, *rest) -> Out:
    *timed_out, utf16 = rest
    data = (b"\xff\xfe" + out.encode("utf-16-le")) if utf16 and out else out.encode(
        "cp850" if probe in LEGACY_BYTES else "utf-8")
    return Out(data, rc, err, bool(timed_out and timed_out[0]), PARAMS.get(probe, {}))


def _scenario(probes: dict, outcomes: dict, extra: dict) -> Scenario:
    extra = dict(extra)
    utf16 = extra.pop("encoding", None) == "utf-16"
    return Scenario("windows", extra.pop("about", ""),
                    {k: _out(k, *v, utf16) for k, v in sorted(copy.deepcopy(probes).items())}, outcomes,
                    os_version=extra.pop("os_version", DEFAULT_OS), multipass_version="1.16.3+win",
                    recorded="2026-11-19T08:15:00+00:00")


s: dict = {}

s["healthy"] = (healthy(), expect(), {})

p = healthy()
p["vm_switches"] = (ps_out([vm_switch("WSL (Hyper-V firewall)", "790e58b4-7939-4434-9358-89ae7ddbe87e", 1),
                            vm_switch("External (Wi-Fi)", "5b2f1c3a-6d4e-4f70-8a9b-0c1d2e3f4a5b", 2,
                                      adapter="Intel(R) Wi-Fi 6 AX201 160MHz")]), 0, "")
p["hns_networks"] = (ps_out([hns_network("WSL (Hyper-V firewall)", "790e58b4-7939-4434-9358-89ae7ddbe87e",
                                         "172.29.128.0/20", "172.29.128.1")]), 0, "")
p["default_switch_ip"] = ("", 1, NO_DEFAULT_SWITCH_IP)
p["multipass_list"] = (mp_list([("primary", "Stopped", []), ("builder", "Stopped", [])]), 0, "")
s["no-default-switch"] = (p, expect(switch__exists="failed", switch__hns_healthy="failed",
                                    ics__hosts_matches_instance="skipped", ics__name_resolves="skipped",
                                    portproxy__no_stale_rules="skipped"), {})

p = healthy()
p["hns_networks"] = (ps_out([
    hns_network("Default Switch", DEFAULT_ID, "172.22.160.0/20", GW),
    hns_network("Default Switch", "3e6f1d2c-9b8a-4c7d-a1e2-f3b4c5d6e7f8", "172.31.16.0/20", "172.31.16.1"),
    hns_network("WSL (Hyper-V firewall)", "790e58b4-7939-4434-9358-89ae7ddbe87e", "172.29.128.0/20",
                "172.29.128.1"),
]), 0, "")
s["hns-duplicate"] = (p, expect(switch__hns_healthy="failed"), {})

p = healthy()
p["hns_networks"] = (ps_out([hns_network("Default Switch", DEFAULT_ID, "172.22.160.0/20", GW)]), 0, "")
p["default_switch_ip"] = (ps_out(net_ip("172.30.48.1", 20)), 0, "")
# after a reboot the adapter got a new subnet; the HNS network still holds the old one
s["hns-subnet-mismatch"] = (p, expect(switch__hns_healthy="failed",
                                      portproxy__no_stale_rules="passed"), {})

p = healthy()
p["ics_service"] = (ps_out(service(1)), 0, "")
s["ics-stopped"] = (p, expect(ics__service="failed"), {})

p = healthy()
p["hosts_ics"] = (hosts_ics(HOSTS_LINES + [
    "172.22.170.9 primary.mshome.net # 2026 11 3 18 21 12 9 17"]), 0, "")
s["hosts-ics-duplicate"] = (p, expect(ics__hosts_single_entry="failed"), {})

p = healthy()
p["hosts_ics"] = (hosts_ics([HOSTS_LINES[0], "172.22.170.9 primary.mshome.net # 2026 11 3 18 21 12 9 17",
                             HOSTS_LINES[2]]), 0, "")
p["mshome_resolve"] = (ps_out({"Name": "primary.mshome.net", "Type": 1, "IPAddress": "172.22.170.9"}), 0, "")
s["hosts-ics-stale"] = (p, expect(ics__hosts_matches_instance="failed", ics__name_resolves="failed"), {})

p = healthy()
p["hosts_ics"] = (hosts_ics(HOSTS_LINES + ["0 54 30 497", "", "67", "et # 2026 11 4 19 8 3 44 120"]), 0, "")
s["hosts-ics-corrupted"] = (p, expect(ics__hosts_not_corrupted="failed"), {})

p = healthy()
p["hosts_ics"] = ("", 3, "")
p["multipass_list"] = (mp_list([]), 0, "")
p["portproxy"] = ("", 0, "")
p["multipass_events"] = ("", 1, NO_EVENTS)  # nothing logged yet: no known failure either
s["hosts-ics-absent"] = (p, expect(ics__hosts_matches_instance="skipped", ics__name_resolves="skipped"), {})

p = healthy()
kaspersky = {"displayName": "Kaspersky Standard", "instanceGuid": "{B41C7598-35F6-4D89-7D0E-7ADE69B4047B}",
             "pathToSignedProductExe": "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky 21.15\\wmiav.exe",
             "pathToSignedReportingExe": "C:\\Program Files (x86)\\Kaspersky Lab\\Kaspersky 21.15\\avp.exe",
             "productState": 266240, "timestamp": "Thu, 19 Nov 2026 08:02:40 GMT", "PSComputerName": None}
defender_off = dict(DEFENDER, productState=393472)
p["antivirus"] = (ps_out([defender_off, kaspersky]), 0, "")
s["antivirus-kaspersky"] = (p, expect(interference__antivirus="warned"), {})

p = healthy()
p["antivirus"] = ("", 1, CIM_INVALID_NAMESPACE)
s["server-no-securitycenter"] = (p, expect(interference__antivirus="skipped"),
                                 {"os_version": "Windows Server 2022 Datacenter 10.0.20348"})

p = healthy()
p["hypervisor_present"] = (ps_out({"HypervisorPresent": False}), 0, "")
p["bcdedit"] = (bcdedit("Off"), 0, "")
p["multipass_list"] = (mp_list([("primary", "Stopped", []), ("builder", "Stopped", [])]), 0, "")
s["hypervisor-off"] = (p, expect(hyperv__hypervisor_running="failed",
                                 ics__hosts_matches_instance="skipped", ics__name_resolves="skipped"), {})

p = healthy()
p["excluded_ports"] = (netsh_excluded([(5357, 5357, False), (49985, 50084, False), (50160, 50259, True)]), 0, "")
p["multipass_version"] = (mp_json({"multipass": "1.16.3+win"}), 0, "")
p["multipass_list"] = ("", 2, DAEMON_DOWN.format(cmd="list"))
p["multipass_driver"] = ("", 2, "get failed: cannot connect to the multipass socket")
s["port-50051-excluded"] = (p, {**expect(multipass__daemon="failed", multipass__port_not_excluded="failed",
                                         multipass__driver="skipped", ics__hosts_matches_instance="skipped",
                                         portproxy__no_stale_rules="skipped", ics__name_resolves="skipped"),
                                "instance.state.listed": "failed"}, {})

p = healthy()
p["multipass_version"] = (mp_json({"multipass": "1.16.3+win"}), 0, "")
p["multipass_list"] = ("", 2, DAEMON_DOWN.format(cmd="list"))
p["multipass_driver"] = ("", 2, "get failed: cannot connect to the multipass socket")
s["daemon-down"] = (p, {**expect(multipass__daemon="failed", multipass__driver="skipped",
                                 ics__hosts_matches_instance="skipped", portproxy__no_stale_rules="skipped",
                                 ics__name_resolves="skipped"),
                        "instance.state.listed": "failed"}, {})

p = healthy()
p["portproxy"] = (netsh_portproxy([("0.0.0.0", 2222, PRIMARY_IP, 22), ("0.0.0.0", 8080, "172.22.170.9", 80),
                                   ("127.0.0.1", 3000, BUILDER_IP, 3000)]), 0, "")
s["portproxy-stale"] = (p, expect(portproxy__no_stale_rules="failed"), {})

p = healthy()
p["multipass_driver"] = ("virtualbox" + CRLF, 0, "")
p["multipass_list"] = (mp_list([("primary", "Running", ["N/A"])]), 0, "")
p["vm_switches"] = ("", 1, HYPERV_MISSING)
for probe in ("hns_networks", "default_switch_ip", "hosts_ics", "portproxy"):
    del p[probe]
p["hypervisor_present"] = (ps_out({"HypervisorPresent": False}), 0, "")
p["bcdedit"] = (bcdedit("Off"), 0, "")
s["driver-virtualbox"] = (p, {**expect(multipass__driver="skipped"),
                              **{i: "skipped" for i in HYPERV_ONLY}}, {})

# German Windows: the Default Switch is "Standardswitch" (found by its Id); a user's own
# external switch is named "Default Switch" and must not be taken for it. Not elevated:
# bcdedit is refused, HypervisorPresent still answers.
p = healthy()
p["vm_switches"] = (ps_out([
    vm_switch("Standardswitch", DEFAULT_ID, 1),
    vm_switch("Default Switch", "0a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", 2, notes="mein externer Switch",
              adapter="Realtek PCIe GbE Family Controller"),
]), 0, "")
p["hns_networks"] = (ps_out([
    hns_network("Standardswitch", DEFAULT_ID, "172.22.160.0/20", GW),
    hns_network("Default Switch", "0a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "192.168.178.0/24",
                "192.168.178.1", kind="Transparent", flags=0),
]), 0, "")
p["default_switch_ip"] = (ps_out(net_ip(GW, 20, alias="vEthernet (Standardswitch)")), 0, "")
svc = service(4)
svc["DisplayName"] = "Gemeinsame Nutzung der Internetverbindung (ICS)"
p["ics_service"] = (ps_out(svc), 0, "")
p["excluded_ports"] = (netsh_excluded(
    [(5357, 5357, False), (49985, 50050, False), (50160, 50259, True)],
    header=("Protokoll tcp Portausschlussbereiche", "Startport    Endport",
            "* - Verwaltete Portausschlüsse.")), 0, "")
p["portproxy"] = ("", 0, "")
p["bcdedit"] = ("", 1, "Der Startkonfigurationsdatenspeicher konnte nicht geöffnet werden.\r\n"
                       "Zugriff verweigert\r\n")
s["localized-de"] = (p, expect(), {"os_version": "Windows 11 Pro 10.0.22631 (de-DE)"})

# primary never came up: the daemon timed out waiting for its SSH (no address from ICS)
p = healthy()
p["multipass_list"] = (mp_list([("primary", "Unknown", []), ("builder", "Stopped", [])]), 0, "")
p["multipass_events"] = (events([
    (1795076041806, "Error", "[primary] timed out waiting for response"),
    (1795075740511, "Information", "[primary] process state changed to Running"),
    (1795075731034, "Information", "[daemon] Starting Multipass 1.16.3+win"),
    *CLEAN_EVENTS,
]), 0, "")
s["log-timeout"] = (p, {**expect(logs__known_errors="failed", ics__hosts_matches_instance="skipped",
                               ics__name_resolves="skipped"),
                        "instance.state.running_with_ip": "failed"}, {})

# The healthy machine recorded by PowerShell 5.1 redirection (`> file`): UTF-16LE with BOM, CRLF.
s["healthy-utf16"] = (healthy(), expect(), {"encoding": "utf-16"})



# `multipass list` hangs (the daemon is stuck): a timeout is a finding, the instance comparisons skip
p = healthy()
p["multipass_list"] = ("", -9, "", True)
s["list-timeout"] = (p, {**expect(ics__hosts_matches_instance="skipped", portproxy__no_stale_rules="skipped",
                                ics__name_resolves="skipped"),
                         "instance.state.listed": "failed"}, {})

# ---- bridged networking, zones, a stale address (issue 11) ----------------------------------------
# Hyper-V's `networks` (1.16: switches, then `Get-NetAdapter -physical` adapters, lowercase types);
# the switch description wording is unconfirmed (multipass-networking-2026.md §1.2).
NETWORKS = mp_json({"list": [
    {"description": "Virtual Switch with external networking via \"Intel(R) Ethernet Connection (7) I219-LM\"",
     "name": "ExternalSwitch", "type": "switch"},
    {"description": "Intel(R) Wi-Fi 6 AX201 160MHz", "name": "Wi-Fi", "type": "wifi"}]})
LAN_IP = "192.168.1.64"
MAIN = "1.17.0-dev.1412+g1e2d3c4.win"
UNKNOWN_ZONES = "Error: Unknown command or alias 'zones' (try \"multipass help\" or \"multipass aliases\")\r\n"
ZONES = ('{\r\n    "zone1": {\r\n        "available": true,\r\n        "subnet": "10.97.0.0/24"\r\n    },\r\n'
         '    "zone2": {\r\n        "available": true,\r\n        "subnet": "10.97.1.0/24"\r\n    },\r\n'
         '    "zone3": {\r\n        "available": true,\r\n        "subnet": "10.97.2.0/24"\r\n    }\r\n}\r\n')
EXEC_FAILED = "exec failed: ssh connection failed: 'Timeout connecting to 172.22.170.9'"


def _info(ips) -> str:
    return mp_json({"errors": [], "info": {"primary": {
        "cpu_count": "1", "disks": {"sda1": {}}, "image_hash": "dced94c031cc1f23dee14419a3723a5b110df9938de0ac31913a2bfd07c755b4",
        "image_release": "24.04 LTS", "ipv4": ips, "load": [], "memory": {}, "mounts": {},
        "release": "Ubuntu 24.04.1 LTS", "snapshot_count": "0", "state": "Running"}}})


def _addresses(lan: str) -> str:
    return ps_out([{"InterfaceAlias": "Ethernet", "IPAddress": lan, "PrefixLength": 24},
                   {"InterfaceAlias": "vEthernet (Default Switch)", "IPAddress": GW, "PrefixLength": 20},
                   {"InterfaceAlias": "Loopback Pseudo-Interface 1", "IPAddress": "127.0.0.1", "PrefixLength": 8}])


def _bridged(bridged: str = "ExternalSwitch", ips=(PRIMARY_IP, LAN_IP)) -> dict:
    p = healthy()
    p["multipass_bridged_network"] = (bridged + CRLF, 0, "")
    p["multipass_networks"] = (NETWORKS, 0, "")
    p["multipass_instance_bridged"] = ("true" + CRLF, 0, "")
    p["multipass_info"] = (_info(list(ips)), 0, "")
    p["multipass_list"] = (mp_list([("primary", "Running", list(ips)), ("builder", "Stopped", [])]), 0, "")
    return p


INSIDE: dict[str, dict] = {}  # scenario -> the recorded instance side of primary

s["bridged-healthy"] = (_bridged(), expect(bridged__setting_valid="passed") | {
    "instance.bridged.nic_configured": "passed", "instance.state.ip_current": "passed"},
    {"about": "primary is bridged onto ExternalSwitch (listed by `multipass networks`) with a LAN address"})
def _guest_addr(extra: str | None) -> str:
    """`ip -j addr` in primary: eth0 on the Default Switch, eth1 bridged (with `extra` or no IPv4)."""
    def link(i, name, addrs):
        return {"ifindex": i, "ifname": name, "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "mtu": 1500,
                "operstate": "UP", "addr_info": [{"family": "inet", "local": a, "prefixlen": n, "scope": "global",
                                                  "dynamic": True, "label": name} for a, n in addrs]}
    links = [{"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536,
              "operstate": "UNKNOWN", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8,
                                                     "scope": "host", "label": "lo"}]},
             link(2, "eth0", [(PRIMARY_IP, 20)]), link(3, "eth1", [(extra, 24)] if extra else [])]
    return json.dumps(links, separators=(",", ":")) + "\n"


INSIDE["bridged-healthy"] = {"ip_addr": (_guest_addr(LAN_IP), 0, "")}
s["bridged-setting-invalid"] = (_bridged("External Switch"), expect(bridged__setting_valid="failed"),
                                {"about": "`local.bridged-network` is 'External Switch' but the switch is named "
                                          "ExternalSwitch"})
s["bridged-nic-no-address"] = (_bridged(ips=(PRIMARY_IP,)), expect(bridged__setting_valid="passed") | {
    "instance.bridged.nic_configured": "failed"},
    {"about": "primary is bridged onto ExternalSwitch but `multipass info` shows only its Default Switch address"})
INSIDE["bridged-nic-no-address"] = {"ip_addr": (_guest_addr(None), 0, "")}
p = healthy()
p["multipass_version"] = (mp_json({"multipass": "1.16.1+win", "multipassd": "1.16.1+win"}), 0, "")
p["multipass_list"] = (mp_list([("primary", "Running", ["172.22.170.9", PRIMARY_IP]), ("builder", "Stopped", [])]), 0, "")
# hosts.ics is right here and Multipass stale: the hosts.ics check reports the mismatch with the stale-cache remedy
s["stale-ip"] = (p, expect(ics__hosts_matches_instance="failed") | {"instance.state.ip_current": "failed"},
                 {"about": "Hyper-V 1.16.1 after a restart: `multipass list` shows the old 172.22.170.9 first, "
                           "hosts.ics the new address (#3354, fixed in 1.16.2)"})
INSIDE["stale-ip"] = {"ip_addr": ("", 2, EXEC_FAILED)}
p = healthy()
p["multipass_version"] = (mp_json({"multipass": MAIN, "multipassd": MAIN}), 0, "")
p["multipass_zones"] = (ZONES, 0, "")
p["ipv4_addresses"] = (_addresses("192.168.1.20"), 0, "")
s["zones-healthy"] = (p, expect(zones__subnets_free="passed"),
                      {"about": "Multipass main with zones on 10.97.0-2.0/24: no adapter uses them"})
p = copy.deepcopy(p)
p["ipv4_addresses"] = (_addresses("10.97.1.20"), 0, "")
s["zones-collision"] = (p, expect(zones__subnets_free="failed"),
                        {"about": "Multipass main: the office LAN on Ethernet is 10.97.1.0/24, zone2's subnet"})
p = healthy()
p["multipass_zones"] = (UNKNOWN_ZONES, 1, "")
s["zones-before-main"] = (p, expect(), {"about": "Multipass 1.16.3 has no `zones` command: the zone check skips"})
# today's Multipass (issue 11): primary.mshome.net, what the client connects to
p = healthy()
p["mshome_resolve"] = ("", 1, NAME_DOES_NOT_EXIST)
s["mshome-not-resolving"] = (p, expect(ics__name_resolves="failed"),
                             {"about": "primary runs with 172.22.165.23, but primary.mshome.net does not resolve "
                                       "(DNS_ERROR_RCODE_NAME_ERROR): `multipass shell` fails"})
p = healthy()
p["mshome_resolve"] = (ps_out({"Name": "primary.mshome.net", "Type": 1, "IPAddress": "172.22.161.7"}), 0, "")
s["mshome-stale-address"] = (p, expect(ics__name_resolves="failed"),
                             {"about": "primary.mshome.net resolves to an old lease (172.22.161.7), not primary's "
                                       "172.22.165.23"})
p = healthy()
p["mshome_ssh"] = ('{"Error":"No connection could be made because the target machine actively refused it '
                   f'{PRIMARY_IP}:22","Connected":false}}' + CRLF, 0, "")
s["mshome-port22-refused"] = (p, expect(ics__name_resolves="failed"),
                              {"about": "primary.mshome.net resolves, but its port 22 refuses the connection"})

p = healthy()
p["mshome_resolve"] = ("", 1, NAME_DOES_NOT_EXIST)
p["multipass_events"] = (events([
    (1795076041806, "Error", "[primary] ssh connection failed: 'Failed to resolve hostname primary.mshome.net "
                             "(No such host is known. )'"),
    (1795075731034, "Information", "[daemon] Starting Multipass 1.16.3+win"),
    *CLEAN_EVENTS,
]), 0, "")
s["log-mshome-unresolved"] = (p, expect(ics__name_resolves="failed", logs__known_errors="failed"),
                              {"about": "the client's `Failed to resolve hostname primary.mshome.net` (#1512's words) "
                                        "in the events, and the name indeed does not resolve"})

SCENARIOS = {name: _scenario(*entry) for name, entry in s.items()}



# ---- the way out: path MTU, TLS, image servers and the service's proxy --------------------------------

WIN_PROXY = "http://10.20.0.8:8080"
ON = "primary (172.22.165.23 on the Default Switch)"


def way_out_guest(ext_largest: int = 1472, tls: str | None = None) -> dict:
    """primary's way-out probes: its address and routes, the DF ladders to the ICS gateway
    (Windows answers with TTL 128) and to 1.1.1.1, the TLS handshake when the check gets that far."""
    inside = {"ip_addr": Out(guest_ip_addr()), "ip_route": Out(guest_ip_route()),
              "ping_df": [*way_out.df_ladder(GW, 1472, ttl=128), *way_out.df_ladder(way_out.EXTERNAL_IP, ext_largest)]}
    if tls is not None:
        inside["tls_handshake"] = way_out.tls_out(tls)
    return inside


def find_probes(ok: bool, machine: dict, user: dict) -> dict:
    """`multipass find` (CRLF), the machine environment the service reads, the user's shell."""
    find = Out(way_out.FIND_OK.replace("\n", CRLF)) if ok else Out("", 2, way_out.FIND_FAILED.replace("\n", CRLF))
    return {"multipass_find": find, "machine_proxy_env": Out("".join(f"{k}={v}{CRLF}" for k, v in machine.items())),
            "shell_proxy_env": Out(way_out.shell_env(user))}


def way_out_scenario(name: str, about: str, inside: dict | None, host_extra: dict, **changes: str) -> None:
    src = SCENARIOS["healthy"]
    SCENARIOS[name] = replace(src, about=f"{about} (the healthy entry's host)", probes={**src.probes, **host_extra},
                              instances={"primary": inside} if inside else {}, outcomes={**src.outcomes, **changes})


PASSES = {"instance.net.path_mtu": "passed", "instance.net.https_external": "passed",
          "instance.launch.dhcp_exchange": "skipped"}
way_out_scenario("way-out-healthy", f"the way out works for {ON}: full-size DF pings, a trusted TLS handshake, "
                 "`multipass find` lists images", way_out_guest(tls=way_out.s_client_public()),
                 find_probes(True, {}, {}), **PASSES)
way_out_scenario("way-out-tls-inspection", f"Zscaler inspects TLS for {ON}: the certificate is Zscaler's",
                 way_out_guest(tls=way_out.s_client_zscaler()), {},
                 **{**PASSES, "instance.net.https_external": "failed"})
way_out_scenario("way-out-mtu-blackhole", f"a VPN path-MTU black hole for {ON}: 1472/1400-byte DF pings to 1.1.1.1 "
                 "vanish, 1300 passes; the TLS check does not judge a handshake that would stall in it",
                 way_out_guest(1300), {},
                 **{**PASSES, "instance.net.path_mtu": "failed", "instance.net.https_external": "skipped"})
way_out_scenario("way-out-proxy-in-user-env-only", "HTTP_PROXY is a user variable only; the Multipass service reads "
                 "the machine environment, so `multipass find` fails", None,
                 find_probes(False, {}, {"HTTP_PROXY": WIN_PROXY}), **{"windows.multipass.image_servers": "failed"})
way_out_scenario("way-out-proxy-in-machine-env", "HTTP_PROXY is a machine variable (HKLM), which the service reads: "
                 "find lists images", None, find_probes(True, {"HTTP_PROXY": WIN_PROXY}, {"HTTP_PROXY": WIN_PROXY}),
                 **{"windows.multipass.image_servers": "passed"})


# ---- the launch's DHCP exchange, captured by pktmon on the Default Switch (pcapng) ------------------

LAUNCHED = "mpdiag-x1y2z3"
SWITCH_IF, SWITCH_MAC, LAUNCHED_MAC = "vEthernet (Default Switch)", "00:15:5d:a8:01:02", "00:15:5d:a8:01:4e"
PKTMON_ARGV = ("C:\\Windows\\system32\\pktmon.exe", "start", "--capture", "--comp", "nics", "--pkt-size", "1500",
               "--file-name", "C:\\Users\\alex\\AppData\\Local\\Temp\\mpdiag-pktmon-k2v9x1\\dhcp.etl",
               "--file-size", "4")
MASK = "255.255.240.0"


def dhcp_launch(name: str, about: str, capture: Out, launched_ip: str | None, outcome: str) -> None:
    """The healthy machine with --launch: the launch, pktmon's capture while it booted, the listing."""
    from mpdiag.instances import launch_argv

    ok = launched_ip is not None
    argv = tuple(launch_argv(LAUNCHED, 300))
    launch = Out(f"Launched: {LAUNCHED}{CRLF}", argv=argv) if ok else Out(
        "", 2, f"launch failed: The following errors occurred:{CRLF}{LAUNCHED}: timed out waiting for response{CRLF}",
        argv=argv)
    listing = mp_list([("primary", "Running", [PRIMARY_IP]), ("builder", "Stopped", []),
                       (LAUNCHED, "Running", [launched_ip]) if ok else (LAUNCHED, "Unknown", [])])
    src = SCENARIOS["healthy"]
    SCENARIOS[name] = replace(
        src, about=f"{about} (the healthy entry's host, --launch, as Administrator)",
        probes={**src.probes, "dhcp_capture": capture, "multipass_launch": launch, "multipass_list": Out(listing)},
        instances={LAUNCHED: {"ip_addr": Out(guest_ip_addr(launched_ip))}} if ok else {},
        outcomes={**src.outcomes, "instance.launch.dhcp_exchange": outcome,
                  "instance.launch.gets_ip": "passed" if ok else "failed"})


def pktmon(frames: list) -> Out:
    return Out(way_out.capture_record(SWITCH_IF, GW, way_out.pcapng(frames)), argv=PKTMON_ARGV)


NEW_IP, ROGUE, ROGUE_MAC = "172.22.170.51", "172.22.160.254", "00:15:5d:a8:01:99"
dhcp_launch("way-out-dhcp-complete", "ICS answers the launched instance on the Default Switch: DISCOVER, OFFER, "
            "REQUEST, ACK in pktmon's capture",
            pktmon(way_out.exchange(LAUNCHED_MAC, SWITCH_MAC, GW, NEW_IP, GW, mask=MASK, hostname=LAUNCHED)),
            NEW_IP, "passed")
dhcp_launch("way-out-dhcp-no-offer", "ICS's DHCP server does not answer (Internet Connection Sharing wedged): "
            "DISCOVER x3 without OFFER",
            pktmon(way_out.exchange(LAUNCHED_MAC, SWITCH_MAC, GW, NEW_IP, GW, offer=False, discovers=3, mask=MASK,
                                    hostname=LAUNCHED)), None, "failed")
dhcp_launch("way-out-dhcp-rogue", "another VM on the Default Switch runs a DHCP server (a firewall appliance's "
            "LAN side) and answers first",
            pktmon(way_out.exchange(LAUNCHED_MAC, ROGUE_MAC, ROGUE, "172.22.160.100", ROGUE, mask=MASK,
                                    hostname=LAUNCHED)), "172.22.160.100", "failed")
dhcp_launch("way-out-dhcp-not-elevated", "--launch from a shell that is not elevated: pktmon cannot run, the "
            "exchange is not judged (the launch itself works)",
            Out("", 3, "pktmon needs an elevated shell: run the doctor as Administrator to capture DHCP",
                argv=("pktmon", "start", "--capture")), NEW_IP, "skipped")

for _name, _inside in INSIDE.items():
    _sc = SCENARIOS[_name]
    _probes = dict(_sc.probes)
    _probes["multipass_instance_bridged"] = Out(_probes["multipass_instance_bridged"].stdout, params={"vm": "primary"}) \
        if "multipass_instance_bridged" in _probes else None
    SCENARIOS[_name] = type(_sc)(**{**_sc.__dict__, "probes": {k: v for k, v in _probes.items() if v is not None},
                                    "instances": {"primary": {k: Out(*v) for k, v in _inside.items()}}})
SCENARIOS["stale-ip"] = replace(SCENARIOS["stale-ip"], known_issues=(3354,))  # Hyper-V stale address, fixed in 1.16.2
for _name in ("bridged-setting-invalid",):
    _sc = SCENARIOS[_name]
    _probes = {**_sc.probes, "multipass_instance_bridged": Out(_sc.probes["multipass_instance_bridged"].stdout,
                                                               params={"vm": "primary"})}
    SCENARIOS[_name] = type(_sc)(**{**_sc.__dict__, "probes": _probes})
