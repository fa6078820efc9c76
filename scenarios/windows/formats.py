"""The Windows machine and its outputs in the real formats, for the scenario entries
(scenarios/windows/entries.py; built by `python scenarios/build.py windows`).

Outputs follow the real formats: ConvertTo-Json as Windows PowerShell 5.1 prints it
(4-space indent, `"key":  value` with two spaces, nested values indented from the
column where they start, CRLF), netsh and bcdedit tables, hosts.ics as ICS writes it,
Multipass 1.16.3+win JSON (alphabetical keys, 4-space indent). `healthy()` is the
healthy machine, probe by probe; each entry is it with one fault (or a variant).
Addresses and names are made up.

Why this module is over 300 lines: it renders whole PowerShell objects (switches, HNS
networks, addresses, services) as 5.1 prints them; the parts only make sense together.
"""

from __future__ import annotations

import json
import re

CRLF = "\r\n"
PS = ["powershell", "-NoProfile", "-NonInteractive", "-Command"]
DEFAULT_ID = "c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"

# ----------------------------------------------------------------------------- formats


def ps51(value, indent: int = 0) -> str:
    """ConvertTo-Json as Windows PowerShell 5.1 formats it."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{" + CRLF + CRLF + pad + "}"
        items = []
        for k, v in value.items():
            head = " " * (indent + 4) + json.dumps(k) + ":  "
            items.append(head + ps51(v, len(head)))
        return "{" + CRLF + ("," + CRLF).join(items) + CRLF + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[" + CRLF + CRLF + pad + "]"
        items = [" " * (indent + 4) + ps51(v, indent + 4) for v in value]
        return "[" + CRLF + ("," + CRLF).join(items) + CRLF + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def ps_out(value) -> str:
    """What `<cmdlet> | ConvertTo-Json` prints: one object, or an array for several."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return ps51(value) + CRLF


def mp_json(value) -> str:
    """Multipass 1.16.x JSON: alphabetical keys, 4-space indent, empty arrays as `[` newline `]`."""
    text = json.dumps(value, indent=4, sort_keys=True)
    text = re.sub(r"^( *)(.*)\[\]", lambda m: f"{m[1]}{m[2]}[\n{m[1]}]", text, flags=re.M)
    return text.replace("\n", CRLF) + CRLF


def mp_list(instances) -> str:
    out = []
    for name, state, ips in instances:
        out.append({"ipv4": ips, "name": name, "release": "Ubuntu 24.04 LTS", "state": state})
    return mp_json({"list": out})


def netsh_excluded(rows, header=("Protocol tcp Port Exclusion Ranges", "Start Port    End Port",
                                 "* - Administered port exclusions.")) -> str:
    title, cols, foot = header
    lines = ["", title, "", cols, "----------    --------"]
    for start, end, admin in rows:
        lines.append(f"{start:>10}  {end:>10}" + ("     *" if admin else ""))
    lines += ["", foot, "", ""]
    return CRLF.join(lines)


def netsh_portproxy(rules) -> str:
    if not rules:
        return ""
    lines = ["", "Listen on ipv4:             Connect to ipv4:", "",
             "Address         Port        Address         Port",
             "--------------- ----------  --------------- ----------"]
    for la, lp, ca, cp in rules:
        lines.append(f"{la:<15} {lp:<10}  {ca:<15} {cp}")
    lines += ["", ""]
    return CRLF.join(lines)


ICS_HEADER = [
    "# Copyright (c) 1993-2001 Microsoft Corp.",
    "#",
    "# This file has been automatically generated for use by Microsoft Internet Connection Sharing.",
    "# It contains the mappings of IP addresses to host names for the home network. Please do not",
    "# make changes to the HOSTS.ICS file.  Any changes may result in a loss of connectivity between machines",
    "# on the local network.",
    "#",
    "",
]


def hosts_ics(lines) -> str:
    return CRLF.join(ICS_HEADER + list(lines)) + CRLF


def bcdedit(launch: str, loader="Windows Boot Loader", ident="identifier", locale="en-US") -> str:
    rows = [
        (ident, "{current}"), ("device", "partition=C:"), ("path", r"\WINDOWS\system32\winload.efi"),
        ("description", "Windows 11"), ("locale", locale), ("inherit", "{bootloadersettings}"),
        ("recoverysequence", "{5e0ad5d4-8a1b-11ee-b9d1-0242ac120002}"), ("displaymessageoverride", "Recovery"),
        ("recoveryenabled", "Yes"), ("isolatedcontext", "Yes"), ("allowedinmemorysettings", "0x15000075"),
        ("osdevice", "partition=C:"), ("systemroot", r"\WINDOWS"),
        ("resumeobject", "{5e0ad5d3-8a1b-11ee-b9d1-0242ac120002}"), ("nx", "OptIn"),
        ("bootmenupolicy", "Standard"), ("hypervisorlaunchtype", launch),
    ]
    lines = ["", loader, "-" * len(loader)] + [f"{k:<24}{v}" for k, v in rows] + [""]
    return CRLF.join(lines)


# ------------------------------------------------------------------------ the machine

GW = "172.22.160.1"
PRIMARY_IP = "172.22.165.23"
BUILDER_IP = "172.22.168.40"


def vm_switch(name, id_, kind, notes="", adapter=""):
    return {
        "Name": name, "Id": id_, "Notes": notes,
        "Extensions": [
            {"Id": "E7C3B2F0-F3C5-48DF-AF2B-10FED6D72E7A", "Name": "Microsoft Windows Filtering Platform",
             "Vendor": "Microsoft", "Version": "10.0.22621.1", "ExtensionType": 1, "Enabled": True,
             "Running": True, "SwitchName": name},
            {"Id": "EA24CD6C-D17A-4348-9190-09F0D5BE83DD", "Name": "Microsoft NDIS Capture",
             "Vendor": "Microsoft", "Version": "10.0.22621.1", "ExtensionType": 1, "Enabled": False,
             "Running": False, "SwitchName": name},
        ],
        "BandwidthReservationMode": 0 if kind != 2 else 1, "PacketDirectEnabled": False,
        "EmbeddedTeamingEnabled": False, "IovEnabled": False, "SwitchType": kind,
        "AllowManagementOS": True, "NetAdapterInterfaceDescription": adapter,
        "NetAdapterInterfaceDescriptions": [adapter] if adapter else None,
        "IovSupport": False, "IovSupportReasons": None, "AvailableIPSecSA": 0, "NumberIPSecSAAllocated": 0,
        "AvailableVMQueues": 0, "NumberVmqAllocated": 0, "IovQueuePairCount": 0, "IovQueuePairsInUse": 0,
        "IovVirtualFunctionCount": 0, "IovVirtualFunctionsInUse": 0, "PacketDirectInUse": False,
        "DefaultQueueVrssEnabledRequested": True, "DefaultQueueVrssEnabled": False,
        "DefaultQueueVmmqEnabledRequested": True, "DefaultQueueVmmqEnabled": False,
        "DefaultQueueVrssMaxQueuePairsRequested": 16, "DefaultQueueVrssMaxQueuePairs": 0,
        "DefaultQueueVrssMinQueuePairsRequested": 1, "DefaultQueueVrssMinQueuePairs": 0,
        "DefaultQueueVrssQueueSchedulingModeRequested": 2, "DefaultQueueVrssQueueSchedulingMode": 0,
        "DefaultQueueVrssExcludePrimaryProcessorRequested": False,
        "DefaultQueueVrssExcludePrimaryProcessor": False, "SoftwareRscEnabled": False,
        "BandwidthPercentage": 0, "DefaultFlowMinimumBandwidthAbsolute": 0,
        "DefaultFlowMinimumBandwidthWeight": 0, "CimSession": "CimSession: .", "ComputerName": "DESKTOP-7Q2K1LM",
        "IsDeleted": False,
    }


def hns_network(name, id_, prefix, gateway, kind="ICS", flags=3):
    return {
        "ActivityId": "4D1F4A6E-2B37-4C8A-9E51-0C6E7B2D9F10", "AdditionalParams": {},
        "CurrentEndpointCount": 1,
        "Extensions": [
            {"Id": "E7C3B2F0-F3C5-48DF-AF2B-10FED6D72E7A", "IsEnabled": False,
             "Name": "Microsoft Windows Filtering Platform"},
            {"Id": "EA24CD6C-D17A-4348-9190-09F0D5BE83DD", "IsEnabled": True, "Name": "Microsoft NDIS Capture"},
        ],
        "Flags": flags, "GatewayMac": "00-15-5D-3C-8A-01",
        "Health": {"LastErrorCode": 0, "LastUpdateTime": 134078130230995841},
        "ID": id_.upper(), "IPv6": False, "LayeredOn": "1B3C5D7E-0000-4000-8000-00000000A001",
        "MacPools": [{"EndMacAddress": "00-15-5D-3C-8F-FF", "StartMacAddress": "00-15-5D-3C-80-00"}],
        "MaxConcurrentEndpoints": 1, "Name": name, "NatName": "ICS" + id_.upper(),
        "Policies": [], "State": 1,
        "Subnets": [
            {"AdditionalParams": {}, "AddressPrefix": prefix, "GatewayAddress": gateway,
             "Health": {"LastErrorCode": 0, "LastUpdateTime": 134078130230995841},
             "ID": "9A4C2B1E-5D3F-4E6A-8B7C-1D2E3F4A5B6C", "IpSubnets": [
                 {"AdditionalParams": {}, "Flags": 3, "Health": {"LastErrorCode": 0,
                                                                   "LastUpdateTime": 134078130230995841},
                  "ID": "2C3D4E5F-6A7B-4C8D-9E0F-1A2B3C4D5E6F", "IpAddressPrefix": prefix,
                  "ObjectType": 6, "Policies": [], "State": 0}],
             "ObjectType": 5, "Policies": [], "State": 0}],
        "SwitchGuid": id_.upper(), "TotalEndpoints": 1, "Type": kind, "Version": 64424509440,
        "Resources": {"AdditionalParams": {}, "AllocationOrder": 2, "Allocators": "System.Object[]",
                      "CompartmentOperationTime": 0, "Flags": 0,
                      "Health": "@{LastErrorCode=0; LastUpdateTime=134078130230995841}",
                      "ID": "6F1E2D3C-4B5A-4968-8776-5A4B3C2D1E0F", "PortOperationTime": 0, "State": 1,
                      "SwitchOperationTime": 0, "VfpOperationTime": 0,
                      "parentId": "8E7D6C5B-4A39-4281-9F0E-1D2C3B4A5968"},
    }


def net_ip(address, prefix, alias="vEthernet (Default Switch)", index=27):
    return {
        "IPv4Address": address, "IPv6Address": None, "IPAddress": address, "InterfaceIndex": index,
        "InterfaceAlias": alias, "AddressFamily": 2, "Type": 1, "PrefixLength": prefix,
        "PrefixOrigin": 1, "SuffixOrigin": 1, "AddressState": 4,
        "ValidLifetime": {"Ticks": 9223372036854775807, "Days": 10675199, "Hours": 2, "Milliseconds": 477,
                          "Minutes": 48, "Seconds": 5, "TotalDays": 10675199.116730064,
                          "TotalHours": 256204778.80152154, "TotalMilliseconds": 922337203685477.5,
                          "TotalMinutes": 15372286728.091293, "TotalSeconds": 922337203685.4775},
        "PreferredLifetime": {"Ticks": 9223372036854775807, "Days": 10675199, "Hours": 2,
                              "Milliseconds": 477, "Minutes": 48, "Seconds": 5,
                              "TotalDays": 10675199.116730064, "TotalHours": 256204778.80152154,
                              "TotalMilliseconds": 922337203685477.5, "TotalMinutes": 15372286728.091293,
                              "TotalSeconds": 922337203685.4775},
        "SkipAsSource": False, "PolicyStore": "ActiveStore", "Caption": None, "Description": None,
        "ElementName": None, "InstanceID": ";C?8;@B8;?55;55;55;55;55;55;55;55;55;55;55;55;55;55;55;",
        "CommunicationStatus": None, "DetailedStatus": None, "HealthState": None, "InstallDate": None,
        "Name": None, "OperatingStatus": None, "OperationalStatus": None, "PrimaryStatus": None,
        "Status": None, "StatusDescriptions": None, "AvailableRequestedStates": None,
        "EnabledDefault": 2, "EnabledState": None, "OtherEnabledState": None, "RequestedState": 12,
        "TimeOfLastStateChange": None, "TransitioningToState": 12, "CreationClassName": "",
        "SystemCreationClassName": "", "SystemName": "", "NameFormat": None,
        "OtherTypeDescription": None, "ProtocolIFType": 4096, "ProtocolType": None, "Address": None,
        "AddressOrigin": 0, "AddressType": None, "IPVersionSupport": None, "PrefixLength_": None,
        "SubnetMask": None, "PSComputerName": None,
        "CimClass": "ROOT/StandardCimv2:MSFT_NetIPAddress",
        "CimInstanceProperties": "IPv4Address IPv6Address ...",
        "CimSystemProperties": "Microsoft.Management.Infrastructure.CimSystemProperties",
    }


RPCSS = {"CanPauseAndContinue": False, "CanShutdown": False, "CanStop": True, "DisplayName":
         "Remote Procedure Call (RPC)", "DependentServices": "System.ServiceProcess.ServiceController[]",
         "MachineName": ".", "ServiceName": "RpcSs", "ServicesDependedOn":
         "System.ServiceProcess.ServiceController[]", "ServiceHandle": None, "Status": 4,
         "ServiceType": 32, "StartType": 2, "Site": None, "Container": None}


def service(status, start_type=3):
    return {
        "CanPauseAndContinue": False, "CanShutdown": False, "CanStop": status == 4,
        "DisplayName": "Internet Connection Sharing (ICS)",
        "DependentServices": [],
        "MachineName": ".", "ServiceName": "SharedAccess",
        "ServicesDependedOn": [dict(RPCSS)],
        "ServiceHandle": None, "Status": status, "ServiceType": 32, "StartType": start_type,
        "Site": None, "Container": None, "Name": "SharedAccess",
        "RequiredServices": [dict(RPCSS)],
    }


DEFENDER = {"displayName": "Windows Defender", "instanceGuid": "{D68DDC3A-831F-4fae-9E44-DA132C1ACF46}",
            "pathToSignedProductExe": "windowsdefender://",
            "pathToSignedReportingExe": "%ProgramFiles%\\Windows Defender\\MsMpeng.exe",
            "productState": 397568, "timestamp": "Thu, 19 Nov 2026 08:02:41 GMT", "PSComputerName": None}

CIM_INVALID_NAMESPACE = (
    "Get-CimInstance : Invalid namespace \r\n"
    "At line:1 char:1\r\n"
    "+ Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusP ...\r\n"
    "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n"
    "    + CategoryInfo          : MetadataError: (root/SecurityCenter2:AntiVirusProduct:String) "
    "[Get-CimInstance], CimException\r\n"
    "    + FullyQualifiedErrorId : HRESULT 0x8004100e,Microsoft.Management.Infrastructure.CimCmdlets."
    "GetCimInstanceCommand\r\n \r\n")

NO_DEFAULT_SWITCH_IP = (
    "Get-VMSwitch : Hyper-V was unable to find a virtual switch with id \"C08CB7B8-9B3C-408E-8E30-5E16A3AEB444\".\r\n"
    "At line:1 char:57\r\n"
    "+ ... erfaceAlias ('vEthernet (' + (Get-VMSwitch -Id C08CB7B8-9B3C-408E-8E30 ...\r\n"
    "+                                   ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n"
    "    + CategoryInfo          : InvalidArgument: (C08CB7B8-9B3C-408E-8E30-5E16A3AEB444:Guid) [Get-VMSwitch], "
    "VirtualizationException\r\n"
    "    + FullyQualifiedErrorId : InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch\r\n \r\n"
    "Get-NetIPAddress : No matching MSFT_NetIPAddress objects found by CIM query for instances of the \r\n"
    "ROOT/StandardCimv2/MSFT_NetIPAddress class on the  CIM server: SELECT * FROM MSFT_NetIPAddress  WHERE \r\n"
    "((InterfaceAlias LIKE 'vEthernet ()')) AND ((AddressFamily = 2)). Verify query parameters and retry.\r\n"
    "At line:1 char:1\r\n"
    "+ Get-NetIPAddress -InterfaceAlias ('vEthernet (' + (Get-VMSwitch -Id  ...\r\n"
    "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n"
    "    + CategoryInfo          : ObjectNotFound: (MSFT_NetIPAddress:String) [Get-NetIPAddress], CimJobException\r\n"
    "    + FullyQualifiedErrorId : CmdletizationQuery_NotFound,Get-NetIPAddress\r\n \r\n")

HYPERV_MISSING = (
    "Get-VMSwitch : The term 'Get-VMSwitch' is not recognized as the name of a cmdlet, function, script file, or "
    "operable\r\nprogram. Check the spelling of the name, or if a path was included, verify that the path is "
    "correct and try again.\r\nAt line:1 char:1\r\n+ Get-VMSwitch | ConvertTo-Json -Depth 3\r\n+ ~~~~~~~~~~~~\r\n"
    "    + CategoryInfo          : ObjectNotFound: (Get-VMSwitch:String) [], CommandNotFoundException\r\n"
    "    + FullyQualifiedErrorId : CommandNotFoundException\r\n \r\n")

DAEMON_DOWN = ("{cmd} failed: cannot connect to the multipass socket\n"
               "Please ensure multipassd is running and 'localhost:50051' is accessible")

EVENTS_SCRIPT = ("Get-WinEvent -ProviderName Multipass -MaxEvents 500 | "
                 "Select-Object TimeCreated,LevelDisplayName,Message | ConvertTo-Json")

NO_EVENTS = (
    "Get-WinEvent : No events were found that match the specified selection criteria.\r\n"
    "At line:1 char:1\r\n"
    "+ Get-WinEvent -ProviderName Multipass -MaxEvents 500 | Select-Object T ...\r\n"
    "+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n"
    "    + CategoryInfo          : ObjectNotFound: (:) [Get-WinEvent], Exception\r\n"
    "    + FullyQualifiedErrorId : NoMatchingEventsFound,Microsoft.PowerShell.Commands.GetWinEventCommand\r\n"
    " \r\n")

# Multipass's events as Get-WinEvent lists them: newest first (TimeCreated in ms since the epoch, UTC)
CLEAN_EVENTS = [
    (1795072443120, "Information", "[primary] Connected to SSH on port 22"),
    (1795072421377, "Information", "[primary] process state changed to Running"),
    (1795072412904, "Information", "[daemon] Starting Multipass 1.16.3+win"),
]


def events(rows) -> str:
    """`Get-WinEvent ... | Select-Object TimeCreated,LevelDisplayName,Message | ConvertTo-Json` (5.1:
    TimeCreated as `\\/Date(ms)\\/`)."""
    objs = [{"TimeCreated": f"/Date({ms})/", "LevelDisplayName": level, "Message": msg} for ms, level, msg in rows]
    return re.sub(r'"/Date\((\d+)\)/"', r'"\\/Date(\1)\\/"', ps_out(objs))


POWERSHELL_PROBES = {"vm_switches", "hns_networks", "default_switch_ip", "ics_service", "antivirus",
                     "hypervisor_present"}

HOSTS_LINES = [
    f"{GW} DESKTOP-7Q2K1LM.mshome.net # 2026 11 4 19 8 1 12 311",
    f"{PRIMARY_IP} primary.mshome.net # 2026 11 4 19 8 3 44 120",
    f"{BUILDER_IP} builder.mshome.net # 2026 11 4 12 17 40 2 903",
]


def resolve_dns_error(name: str, message: str, category: str, error_id: str) -> str:
    """Resolve-DnsName's error record (PowerShell 5.1, stderr, exit 1) for the mshome_resolve probe."""
    cmd = f"Resolve-DnsName -Name '{name}' -Type A -ErrorAction Stop  ..."
    return (f"Resolve-DnsName : {name} : {message}{CRLF}At line:1 char:1{CRLF}+ {cmd}{CRLF}+ {'~' * 69}{CRLF}"
            f"    + CategoryInfo          : {category}: ({name}:String) [Resolve-DnsName], Win32Exception{CRLF}"
            f"    + FullyQualifiedErrorId : {error_id},Microsoft.DnsClient.Commands.ResolveDnsName{CRLF} {CRLF}")


NAME_DOES_NOT_EXIST = resolve_dns_error("primary.mshome.net", "DNS name does not exist", "ResourceUnavailable",
                                        "DNS_ERROR_RCODE_NAME_ERROR")


def healthy() -> dict:
    """probe -> (stdout text, rc, stderr)"""
    return {
        "multipass_version": (mp_json({"multipass": "1.16.3+win", "multipassd": "1.16.3+win"}), 0, ""),
        "multipass_list": (mp_list([("primary", "Running", [PRIMARY_IP]), ("builder", "Stopped", [])]), 0, ""),
        "multipass_driver": ("hyperv" + CRLF, 0, ""),
        "vm_switches": (ps_out([
            vm_switch("Default Switch", DEFAULT_ID, 1, notes=""),
            vm_switch("WSL (Hyper-V firewall)", "790e58b4-7939-4434-9358-89ae7ddbe87e", 1),
        ]), 0, ""),
        "hns_networks": (ps_out([
            hns_network("Default Switch", DEFAULT_ID, "172.22.160.0/20", GW),
            hns_network("WSL (Hyper-V firewall)", "790e58b4-7939-4434-9358-89ae7ddbe87e", "172.29.128.0/20",
                        "172.29.128.1"),
        ]), 0, ""),
        "default_switch_ip": (ps_out(net_ip(GW, 20)), 0, ""),
        "ics_service": (ps_out(service(4)), 0, ""),
        "antivirus": (ps_out(DEFENDER), 0, ""),
        "hypervisor_present": (ps_out({"HypervisorPresent": True}), 0, ""),
        "hosts_ics": (hosts_ics(HOSTS_LINES), 0, ""),
        "excluded_ports": (netsh_excluded([(5357, 5357, False), (49685, 49784, False), (50000, 50049, True),
                                           (50152, 50251, False), (58762, 58861, False)]), 0, ""),
        "portproxy": (netsh_portproxy([("0.0.0.0", 2222, PRIMARY_IP, 22), ("127.0.0.1", 3000, BUILDER_IP, 3000)]),
                      0, ""),
        "bcdedit": (bcdedit("Auto"), 0, ""),
        "multipass_events": (events(CLEAN_EVENTS), 0, ""),
        # the image servers answer; no proxy anywhere (the proxy stories are the way-out-* entries)
        "multipass_find": (mp_json({"errors": [], "images": {"24.04": {
            "aliases": ["noble", "lts"], "os": "Ubuntu", "release": "24.04 LTS", "remote": "",
            "version": "20261118"}}}), 0, ""),
        "machine_proxy_env": ("", 0, ""),
        "shell_proxy_env": ("{}", 0, ""),
        # what the client connects to: primary.mshome.net, port 22 (windows.ics.name_resolves)
        "mshome_resolve": (ps_out({"Name": "primary.mshome.net", "Type": 1, "IPAddress": PRIMARY_IP}), 0, ""),
        "mshome_ssh": ('{"Error":null,"Connected":true}' + CRLF, 0, ""),
    }


# ----------------------------------------------------------------------------- the guest

GUEST_IF = "eth0"  # hv_netvsc in an Ubuntu 24.04 guest on Hyper-V


def guest_ip_addr(address: str = PRIMARY_IP) -> str:
    """`ip -j -4 addr` in the guest: lo and eth0 (MTU 1500) with its /20 from ICS."""
    return json.dumps([
        {"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "mtu": 65536, "qdisc": "noqueue",
         "operstate": "UNKNOWN", "group": "default", "txqlen": 1000,
         "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host", "label": "lo",
                        "valid_life_time": 4294967295, "preferred_life_time": 4294967295}]},
        {"ifindex": 2, "ifname": GUEST_IF, "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "mtu": 1500,
         "qdisc": "mq", "operstate": "UP", "group": "default", "txqlen": 1000,
         "addr_info": [{"family": "inet", "local": address, "prefixlen": 20, "metric": 100,
                        "broadcast": "172.22.175.255", "scope": "global", "dynamic": True, "label": GUEST_IF,
                        "valid_life_time": 86145, "preferred_life_time": 86145}]}], separators=(",", ":")) + "\n"


def guest_ip_route(address: str = PRIMARY_IP) -> str:
    """`ip -j route` in the guest: the default route via the Default Switch's ICS gateway."""
    return json.dumps([
        {"dst": "default", "gateway": GW, "dev": GUEST_IF, "protocol": "dhcp", "prefsrc": address, "metric": 100,
         "flags": []},
        {"dst": "172.22.160.0/20", "dev": GUEST_IF, "protocol": "kernel", "scope": "link", "prefsrc": address,
         "metric": 100, "flags": []}], separators=(",", ":")) + "\n"
