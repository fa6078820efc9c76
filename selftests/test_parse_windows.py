"""The Windows parsers and facts against real pastes (selftests/data/corpus/windows,
re-encoded the ways Windows produces them) and hand-written cases the corpus lacks
(selftests/data/windows).

Longer than ~300 lines on purpose: a test per real paste of each Windows parser."""

from __future__ import annotations

import codecs
import ipaddress
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from mpdiag.errors import ParseError
from mpdiag.host.rules import windows as facts
from mpdiag.parse import bcdedit, hosts_ics, multipass_net, netsh, powershell, powershell_text
from mpdiag.parse.text import decode

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus" / "windows"
HAND = DATA / "windows"


def read(path: Path) -> str:
    return decode(path.read_bytes())


def hand(name: str) -> str:
    return read(HAND / name)


def _optional_feature(text: str) -> list[list[dict[str, str]]]:
    """The get-windowsoptionalfeature paste: a Get-Service table, then a Format-List."""
    out = []
    for command, body in powershell_text.split_prompt_sections(text):
        if command and command.startswith("Get-Service"):
            out.append(powershell_text.parse_format_table(body))
        else:
            out.append(powershell_text.parse_format_list(body))
    return out


def _av(text: str) -> list[dict[str, Any]]:
    return powershell.parse_json_objects(text)


# kind (file-name prefix) -> the parser that reads it
KIND_PARSERS: dict[str, Callable[[str], Any]] = {
    "get-vmswitch": powershell_text.parse_format_list,
    "get-hnsnetwork": powershell_text.parse_format_list,
    "get-netadapter": powershell_text.parse_format_table,
    "get-windowsoptionalfeature": _optional_feature,
    "hosts-ics": hosts_ics.parse_hosts_ics,
    "netsh-excludedportrange": netsh.parse_excluded_port_ranges,
    "wmic-securitycenter2": _av,
    "multipass-networks": multipass_net.parse_networks,
}

ALL_PARSERS: dict[str, Callable[[str], Any]] = {
    "json": powershell.parse_json_objects,
    "format_list": powershell_text.parse_format_list,
    "format_table": powershell_text.parse_format_table,
    "sections": powershell_text.split_prompt_sections,
    "hosts_ics": hosts_ics.parse_hosts_ics,
    "excluded": netsh.parse_excluded_port_ranges,
    "portproxy": netsh.parse_portproxy,
    "bcdedit": bcdedit.parse_bcdedit,
}

CORPUS_FILES = sorted(CORPUS.glob("*.txt"))
HAND_FILES = sorted(p for p in HAND.iterdir() if p.suffix in (".txt", ".json"))


def kind_of(path: Path) -> str:
    return path.name.split("__", 1)[0]


def meta(path: Path) -> dict[str, Any]:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# name -> text -> bytes, the ways real captures arrive
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf8": lambda t: t.encode("utf-8"),
    "utf8-bom": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf16le-bom": lambda t: codecs.BOM_UTF16_LE + _crlf(t).encode("utf-16-le"),
    "utf16le-nobom": lambda t: _crlf(t).encode("utf-16-le"),
    "crlf": lambda t: _crlf(t).encode("utf-8"),
    "cp437": lambda t: _crlf(t).encode("cp437", "replace"),
    "cp850": lambda t: t.encode("cp850", "replace"),
}


def test_corpus_copied_with_sources() -> None:
    assert CORPUS_FILES, "corpus copies missing"
    for path in CORPUS_FILES:
        assert kind_of(path) in KIND_PARSERS, path.name
        assert meta(path)["source"].startswith("https://"), path.name


# ------------------------------------------------------------ (1) every file, every encoding


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("path", CORPUS_FILES + HAND_FILES, ids=lambda p: p.name)
def test_every_parser_returns_or_raises_parse_error(path: Path, encoding: str) -> None:
    original = path.read_text(encoding="utf-8")
    try:
        text = decode(ENCODINGS[encoding](original))
    except ParseError:
        return
    for name, parser in ALL_PARSERS.items():
        try:
            parser(text)
        except ParseError:
            pass


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_parses_the_same_in_every_encoding(path: Path, encoding: str) -> None:
    original = path.read_text(encoding="utf-8")
    parser = KIND_PARSERS[kind_of(path)]
    text = decode(ENCODINGS[encoding](original))
    if kind_of(path) == "wmic-securitycenter2":
        with pytest.raises(powershell.PowerShellError) as info:
            parser(text)
        assert info.value.is_invalid_namespace
        return
    result = parser(text)
    if text == original:  # lossless re-encoding: the very same result
        assert result == parser(original)
    else:  # cp437/cp850 could not hold some character (…, CJK): same shape
        assert len(result) == len(parser(original))


# ------------------------------------------------------------ (2) what each corpus file shows


def corpus(kind: str) -> str:
    (path,) = [p for p in CORPUS_FILES if kind_of(p) == kind]
    return read(path)


def test_corpus_vmswitch_format_list_is_not_the_default_switch() -> None:
    (switch,) = powershell_text.parse_format_list(corpus("get-vmswitch"))
    assert switch["Name"] == "nat"
    assert switch["Id"] == "39f67a28-b6b5-426a-b542-8af84d09d1c9"
    assert powershell.switch_type_name(switch["SwitchType"]) == "Internal"
    assert switch["NetAdapterInterfaceDescription"] == ""
    assert powershell.ps_bool(switch["AllowManagementOS"]) is True
    assert "DefaultQue" not in switch  # the paste is cut mid-key: dropped, not a crash
    assert facts.find_default_switch([switch]) is None


def test_corpus_hnsnetwork_default_switch_has_the_switch_guid() -> None:
    networks = powershell_text.parse_format_list(corpus("get-hnsnetwork"))
    assert len(networks) == 1
    net = networks[0]
    # The HNS network of the Default Switch carries the switch's own GUID, upper-case, as `ID`.
    assert net["ID"] == "C08CB7B8-9B3C-408E-8E30-5E16A3AEB444"
    assert powershell.ps_guid(net["ID"]) == facts.DEFAULT_SWITCH_ID
    assert facts.default_switch_network(networks) is net
    assert net["Flags"] == "3"
    assert net["GatewayMac"] == "00-15-5D-AB-96-3C"
    exts = powershell_text.parse_ps_hashtables(net["Extensions"])
    assert [e["Name"] for e in exts] == [
        "Microsoft Windows Filtering Platform",
        "Microsoft Azure VFP Switch Extension",
        "Microsoft NDIS Capture",
    ]
    assert powershell_text.parse_ps_hashtables(net["Health"])[0]["LastErrorCode"] == "0"
    assert facts.hns_subnets(net) == []  # the paste is cut before Subnets


def test_corpus_netadapter_has_no_default_switch_adapter() -> None:
    rows = powershell_text.parse_format_table(corpus("get-netadapter"))
    assert [r["Name"] for r in rows] == [
        "Ethernet 2", "Network Bridge", "VMware Network Adapte...8", "VMware Network Adapte...1",
        "WiFi", "Ethernet",
    ]
    assert not any(r["Name"].startswith("vEthernet") for r in rows)
    bridge = rows[1]
    assert bridge["InterfaceDescription"].startswith("Microsoft Network Adapter Multiplexor")
    assert bridge["ifIndex"] == "18" and bridge["Status"] == "Disconnected"
    assert bridge["MacAddress"] == rows[4]["MacAddress"] == "A4-6B-B6-F2-39-B0"  # bridged Wi-Fi
    assert rows[4]["LinkSpeed"] == "1.2 Gbps"


def test_corpus_optional_feature_hyperv_enabled_vmms_running() -> None:
    service_rows, features = _optional_feature(corpus("get-windowsoptionalfeature"))
    assert service_rows == [{"Status": "Running", "Name": "vmms",
                             "DisplayName": "Hyper-V Virtual Machine Management"}]
    assert powershell.service_status_name(service_rows[0]["Status"]) == "Running"
    (feature,) = features
    assert feature["FeatureName"] == "Microsoft-Hyper-V"
    assert feature["State"] == "Enabled"
    assert feature["CustomProperties"].startswith("ServerComponent\\Description : Hyper-V provides")


def test_corpus_hosts_ics_fragments_and_bogus_stamp() -> None:
    hosts = hosts_ics.parse_hosts_ics(corpus("hosts-ics"))
    assert [(e.line_no, e.ip, e.instance) for e in hosts.entries] == [
        (1, "192.168.179.12", "box"),
        (2, "192.168.176.1", "desktop-xxxxxxx"),
        (3, "192.168.179.226", "primary"),
    ]
    assert hosts.entries[2].name == "primary.mshome.net"
    assert hosts.entries[1].stamp == "2028 12 6 30 23 53 18 185"
    assert hosts.malformed == ((4, "0 54 30 497"), (6, "67"))  # line 5 is blank
    assert hosts_ics.duplicates(hosts) == {}
    assert hosts_ics.stamp_datetime(hosts.entries[0].stamp) == datetime(2024, 1, 8, 23, 53, 18, 185000)


def test_corpus_excluded_ranges_cover_50051() -> None:
    ranges = netsh.parse_excluded_port_ranges(corpus("netsh-excludedportrange"))
    assert len(ranges) == 16
    assert ranges[0] == (5357, 5357) and ranges[-1] == (57154, 57253)
    assert netsh.range_containing(ranges, 50051) == (50000, 50059)  # the administered `*` row


def test_corpus_wmic_securitycenter2_invalid_namespace_french() -> None:
    with pytest.raises(powershell.PowerShellError) as info:
        powershell.parse_json_objects(corpus("wmic-securitycenter2"))
    err = info.value
    assert isinstance(err, ParseError)
    assert err.message == "Espace de noms non valide"
    assert err.is_invalid_namespace and not err.is_command_missing


# ------------------------------------------------------------ (3) hand-written cases


def test_localized_default_switch_found_by_id_not_name() -> None:
    switches = powershell.parse_json_objects(hand("vmswitch_de.json"))
    found = facts.find_default_switch(switches)
    assert found is not None and found["Name"] == "Standardswitch"
    assert powershell.switch_type_name(found["SwitchType"]) == "Internal"
    # the impostor named "Default Switch" (External) is not picked
    assert powershell.switch_type_name(switches[1]["SwitchType"]) == "External"

    (fr,) = powershell.parse_json_objects(hand("vmswitch_fr_ps7.json"))
    assert facts.find_default_switch([fr]) is fr
    assert fr["Name"] == "Commutateur par défaut"
    assert powershell.switch_type_name(fr["SwitchType"]) == "Internal"


def test_default_switch_id_forms() -> None:
    for form in ("C08CB7B8-9B3C-408E-8E30-5E16A3AEB444", "{c08cb7b8-9b3c-408e-8e30-5e16a3aeb444}",
                 {"Guid": "c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"}):
        assert facts.find_default_switch([{"Name": "x", "Id": form}]) is not None
    assert facts.find_default_switch([{"Name": "Default Switch", "Id": "nope"}, "junk"]) is None  # type: ignore[list-item]
    assert facts.find_default_switch([]) is None


def test_hns_network_subnets_json_and_depth_truncated_string() -> None:
    nets = powershell.parse_json_objects(hand("hnsnetwork.json"))
    default = facts.default_switch_network(nets)
    assert default is not None and default["Name"] == "Default Switch"
    assert facts.hns_subnets(default) == [(ipaddress.IPv4Network("172.22.160.0/20"), "172.22.160.1")]
    wsl = nets[1]
    assert facts.hns_subnets(wsl) == [(ipaddress.IPv4Network("172.29.128.0/20"), "172.29.128.1")]
    assert facts.default_switch_networks(nets) == [default]


def test_hns_by_name_fallback_duplicates_and_bad_prefix() -> None:
    nets = [{"ID": "11111111-1111-4111-8111-111111111111", "Name": "Default Switch"},
            {"ID": "22222222-2222-4222-8222-222222222222", "Name": "default switch"}]
    assert len(facts.default_switch_networks(nets)) == 2
    assert facts.hns_subnets({"Subnets": {"AddressPrefix": "10.0.0.0/8"}}) == [
        (ipaddress.IPv4Network("10.0.0.0/8"), None)]
    assert facts.hns_subnets({"Subnets": [{"AddressPrefix": "fd00::/64"}]}) == []
    with pytest.raises(ParseError):
        facts.hns_subnets({"Subnets": [{"AddressPrefix": "172.22.160.0/40"}]})
    with pytest.raises(ParseError):
        facts.hns_subnets({"Subnets": 7})


def test_adapter_ipv4_skips_ipv6_and_reads_prefix() -> None:
    addrs = powershell.parse_json_objects(hand("netipaddress.json"))
    assert facts.adapter_ipv4(addrs) == [ipaddress.IPv4Interface("172.22.160.1/20")]
    assert facts.adapter_ipv4([{"IPAddress": "172.17.128.1", "AddressFamily": "IPv4",
                                "PrefixLength": "20"}]) == [ipaddress.IPv4Interface("172.17.128.1/20")]
    assert facts.adapter_ipv4([]) == []
    with pytest.raises(ParseError):
        facts.adapter_ipv4([{"IPAddress": "172.17.128.1", "AddressFamily": 2}])
    assert powershell.ps_date(addrs[0]["ValidLifetime"]) == datetime.fromtimestamp(1690000000, timezone.utc)


def test_service_status_int_and_string() -> None:
    (svc,) = powershell.parse_json_objects(hand("service_sharedaccess.json"))
    assert powershell.service_status_name(svc["Status"]) == "Running"
    assert powershell.service_status_name("Stopped") == "Stopped"
    assert powershell.service_status_name("1") == "Stopped"
    assert powershell.service_status_name(99) is None
    assert powershell.service_status_name(True) is None


def test_concatenated_json_objects_and_arrays() -> None:
    objs = powershell.parse_json_objects(hand("concatenated.json"))
    assert [(o["Name"], powershell.service_status_name(o["Status"])) for o in objs] == [
        ("SharedAccess", "Stopped"), ("vmms", "Running"), ("hns", "Running")]


def test_json_shapes() -> None:
    pj = powershell.parse_json_objects
    assert pj("") == [] and pj("\n  \n") == []
    assert pj('{"a": 1}') == [{"a": 1}]
    assert pj('[{"a": 1}, null, {"b": 2}]') == [{"a": 1}, {"b": 2}]
    assert pj('{"value": [{"a": 1}], "Count": 1}') == [{"a": 1}]  # 5.1 array wrapper
    pasted = 'PS C:\\> Get-Service SharedAccess | ConvertTo-Json\n{"Name": "SharedAccess", "Status": 4}\n'
    assert pj(pasted) == [{"Name": "SharedAccess", "Status": 4}]
    twice = pasted + pasted
    assert len(pj(twice)) == 2
    warned = 'WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of 2.\n[{"a": 1}]'
    assert pj(warned) == [{"a": 1}]
    for bad in ('{"a": 1', "[1, 2]", "42", '"text"', "hello world", '{"a": 1} trailing'):
        with pytest.raises(ParseError):
            pj(bad)


def test_securitycenter2_invalid_namespace_error_record() -> None:
    with pytest.raises(powershell.PowerShellError) as info:
        powershell.parse_json_objects(hand("cim_invalid_namespace.txt"))
    err = info.value
    assert err.message == "Invalid namespace"
    assert err.category == "MetadataError"
    assert err.error_id.startswith("HRESULT 0x8004100e")
    assert err.command == "Get-CimInstance"
    assert err.is_invalid_namespace and not err.is_not_found


def test_vmswitch_not_found_and_missing_commands() -> None:
    with pytest.raises(powershell.PowerShellError) as info:
        powershell.parse_json_objects(hand("vmswitch_not_found.txt"))
    assert info.value.category == "InvalidArgument"
    assert info.value.error_id.startswith("InvalidParameter")
    assert "unable to find a virtual switch" in info.value.message
    assert info.value.is_not_found and not info.value.is_invalid_namespace

    for name in ("powershell_not_recognized.txt", "hnsnetwork_cmdlet_missing.txt"):
        with pytest.raises(powershell.PowerShellError) as info:
            powershell.parse_json_objects(hand(name))
        assert info.value.is_command_missing, name
        assert not info.value.is_invalid_namespace


def test_ps7_concise_error_view() -> None:
    with pytest.raises(powershell.PowerShellError) as info:
        powershell.parse_json_objects("Get-CimInstance: Invalid namespace \n")
    assert info.value.is_invalid_namespace


def test_antivirus_non_defender() -> None:
    products = powershell.parse_json_objects(hand("antivirus.json"))
    assert facts.non_defender_antivirus(products) == ["ESET Security", "Malwarebytes"]
    assert facts.non_defender_antivirus(products, enabled_only=True) == ["ESET Security"]
    assert facts.non_defender_antivirus([{"displayName": "Microsoft Defender Antivirus"}]) == []
    assert facts.av_product_enabled(397568) is True
    assert facts.av_product_enabled(393472) is False
    assert facts.av_product_enabled("x") is None


def test_hosts_ics_duplicates_fragments_blank_lines() -> None:
    hosts = hosts_ics.parse_hosts_ics(hand("hosts_ics_corrupted.txt"))
    assert [(e.line_no, e.instance) for e in hosts.entries] == [
        (5, "primary"), (6, "foo"), (8, "primary"), (11, "bar")]
    assert hosts.entries[1].name == "foo.mshome.net"  # lowercased
    dups = hosts_ics.duplicates(hosts)
    assert list(dups) == ["primary"]
    assert [e.line_no for e in dups["primary"]] == [5, 8]  # the first is the one to keep
    assert dups["primary"][0].ip == "172.22.160.5"
    assert hosts.malformed == ((9, "et # 2024 3 1 4 12 10 15 123"), (10, "2.168.1.5 foo.msh"))
    assert hosts.by_instance("PRIMARY") == dups["primary"]


@pytest.mark.parametrize("line", [
    "300.1.1.1 a.mshome.net # 2024 3 1 4 12 10 15 123",  # not an IPv4
    "172.22.160.5 a.mshome.net # 2024 3 4",  # stamp cut short
    "172.22.160.5 a.example.com # 2024 3 1 4 12 10 15 123",
    "172.22.160.5",
    "fe80::1 a.mshome.net # 2024 3 1 4 12 10 15 123",
    "172.22.160.5 a.mshome.net # 2024 3 1 4 12 10 15 123 trailing",
])
def test_hosts_ics_malformed_lines(line: str) -> None:
    hosts = hosts_ics.parse_hosts_ics(line + "\n")
    assert hosts.entries == () and hosts.malformed == ((1, line),)


def test_hosts_ics_edge_cases() -> None:
    assert hosts_ics.parse_hosts_ics("") == hosts_ics.HostsIcs((), ())
    ok = hosts_ics.parse_hosts_ics("172.22.160.5 a.mshome.net\n")
    assert ok.entries[0].stamp is None
    with pytest.raises(ParseError):
        hosts_ics.parse_hosts_ics("1\x007\x002\x00")
    assert hosts_ics.stamp_datetime("2024 13 1 40 0 0 0 0") is None
    assert hosts_ics.stamp_datetime(None) is None


def test_excluded_ranges_hand_written() -> None:
    ranges = netsh.parse_excluded_port_ranges(hand("excludedportrange_50051.txt"))
    assert ranges == [(1080, 1179), (2869, 2869), (49985, 50084), (50160, 50259)]
    assert netsh.range_containing(ranges, 50051) == (49985, 50084)
    de = netsh.parse_excluded_port_ranges(hand("excludedportrange_de.txt"))
    assert netsh.range_containing(de, 50051) == (49985, 50084)
    assert netsh.parse_excluded_port_ranges(hand("excludedportrange_empty.txt")) == []
    assert netsh.range_containing([], 50051) is None
    for bad in ("", "The following command was not found: interface ipv4 show foo.",
                "----------    --------\n  50100   50000\n", "---  ---\n  1 2 3\n"):
        with pytest.raises(ParseError):
            netsh.parse_excluded_port_ranges(bad)


def test_portproxy_rules() -> None:
    rules = netsh.parse_portproxy(hand("portproxy.txt"))
    assert rules == [
        netsh.PortProxyRule("0.0.0.0", 2222, "172.22.160.5", 22, "v4tov4"),
        netsh.PortProxyRule("127.0.0.1", 8080, "172.22.170.9", 80, "v4tov4"),
        netsh.PortProxyRule("*", 9000, "::1", 9000, "v4tov6"),
    ]
    assert netsh.parse_portproxy("") == [] and netsh.parse_portproxy("\n\n") == []
    with pytest.raises(ParseError):
        netsh.parse_portproxy("The requested operation requires elevation (Run as administrator).")


def test_bcdedit_auto_off_denied() -> None:
    auto = bcdedit.parse_bcdedit(hand("bcdedit_auto.txt"))
    assert auto["hypervisorlaunchtype"] == "Auto"
    assert auto["identifier"] == "{current}"
    assert auto["path"] == "\\WINDOWS\\system32\\winload.efi"
    off = bcdedit.parse_bcdedit(hand("bcdedit_off_de.txt"))
    assert off["hypervisorlaunchtype"] == "Off"
    assert off["bezeichner"] == "{current}"  # localized key: lowercased, not translated
    denied = hand("bcdedit_denied.txt")
    with pytest.raises(ParseError):
        bcdedit.parse_bcdedit(denied)
    assert bcdedit.is_access_denied(denied)
    assert not bcdedit.is_access_denied(hand("bcdedit_auto.txt"))


def test_bcdedit_multiline_and_second_entry() -> None:
    text = ("Windows Boot Manager\n--------------------\nidentifier              {bootmgr}\n"
            "displayorder            {current}\n                        {abc}\n\n"
            "Windows Boot Loader\n-------------------\nidentifier              {current}\n")
    parsed = bcdedit.parse_bcdedit(text)
    assert parsed == {"identifier": "{bootmgr}", "displayorder": "{current}\n{abc}"}


def test_format_list_and_table_edges() -> None:
    assert powershell_text.parse_format_list("") == []
    assert powershell_text.parse_format_table("") == []
    two = "Name : a\nId   : 1\n\nName : b\nId   : 2\n"
    assert powershell_text.parse_format_list(two) == [{"Name": "a", "Id": "1"}, {"Name": "b", "Id": "2"}]
    with pytest.raises(ParseError):
        powershell_text.parse_format_list("just words\nmore words\n")
    with pytest.raises(ParseError):
        powershell_text.parse_format_table("no table here")
    spill = "Name  Big\n----  ---\na     12345\n"
    assert powershell_text.parse_format_table(spill) == [{"Name": "a", "Big": "12345"}]
    right = "Name Count\n---- -----\nx    123456\n"
    assert powershell_text.parse_format_table(right) == [{"Name": "x", "Count": "123456"}]


def test_small_helpers() -> None:
    assert powershell.ps_bool("True") is True and powershell.ps_bool(False) is False
    assert powershell.ps_bool("maybe") is None and powershell.ps_bool(2) is None
    assert powershell.ps_date("garbage") is None and powershell.ps_date(5) is None
    assert powershell.ps_date("2024-03-04T12:10:15Z") == datetime(2024, 3, 4, 12, 10, 15, tzinfo=timezone.utc)
    assert powershell.switch_type_name(0) == "Private" and powershell.switch_type_name("2") == "External"
    assert powershell.prop({"displayName": 1}, "DisplayName") == 1
    assert powershell_text.split_prompt_sections("PS> a\nx\nPS C:\\> b\ny") == [("a", "x"), ("b", "y")]
