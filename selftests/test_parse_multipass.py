"""Multipass CLI output from 1.12 to main, and the tables users paste (corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpdiag.errors import ParseError
from mpdiag.parse import multipass as mp

CORPUS = Path(__file__).parent / "data" / "corpus" / "macos"
KINDS = {"multipass_version": mp.parse_version, "multipass_list": mp.parse_list,
         "multipass_info": mp.parse_info, "multipass_get_local_driver": mp.parse_driver}


def corpus_files():
    return [(f, fn) for kind, fn in KINDS.items() for f in sorted(CORPUS.glob(f"{kind}__*.txt"))]


@pytest.mark.parametrize("path, parse", corpus_files(), ids=lambda x: getattr(x, "name", ""))
def test_corpus_parses_or_raises_parse_error(path, parse):
    try:
        parse(path.read_text())
    except ParseError:
        pass


def test_corpus_contents():
    assert mp.parse_driver((CORPUS / "multipass_get_local_driver__3864__2.txt").read_text()) == "qemu"
    v = mp.parse_version((CORPUS / "multipass_version__3003__1.txt").read_text())
    assert v.daemon.startswith("1.13.0-dev") and v.number == (1, 13, 0)
    rows = mp.parse_list((CORPUS / "multipass_list__3914__1.txt").read_text())
    assert [(r.name, r.state, r.ipv4) for r in rows][-1] == ("gcc-cobol", "Running", ("192.168.2.2",))
    info = mp.parse_info((CORPUS / "multipass_info__1826__1.txt").read_text())
    assert info["primary"].state == "Unknown" and info["primary"].ipv4 == ()


RELEASED_LIST = """{
    "list": [
        {
            "ipv4": [
                "192.168.252.3",
                "172.17.0.1"
            ],
            "name": "primary",
            "release": "Ubuntu 24.04 LTS",
            "state": "Running"
        },
        {
            "ipv4": [
                "N/A"
            ],
            "name": "vbox-vm",
            "release": "Ubuntu 24.04 LTS",
            "state": "Running"
        },
        {
            "ipv4": [
            ],
            "name": "stopped-vm",
            "release": "Ubuntu 22.04 LTS",
            "state": "Stopped"
        }
    ]
}
"""
MAIN_LIST = json.dumps({"list": [
    {"name": "bogus-instance", "state": "Running", "ipv4": ["10.21.124.56"], "release": "Ubuntu 16.04 LTS",
     "zone": {"name": "zone1", "available": True}},
    {"name": "bombastic", "state": "Running", "ipv4": [], "release": "Ubuntu 18.04 LTS",
     "zone": {"name": "zone2", "available": False}}]})


def test_list_released_and_main():
    rel = {i.name: i for i in mp.parse_list(RELEASED_LIST)}
    assert rel["primary"].ipv4 == ("192.168.252.3", "172.17.0.1")
    assert rel["vbox-vm"].ipv4 == () and rel["vbox-vm"].running  # "N/A" is no IP
    assert rel["stopped-vm"].ipv4 == ()
    main = {i.name: i for i in mp.parse_list(MAIN_LIST)}
    assert main["bombastic"].ipv4 == () and main["bogus-instance"].ipv4 == ("10.21.124.56",)
    assert mp.parse_list('{"list": [\n    ]\n}\n') == []
    assert mp.parse_list("No instances found.\n") == []


def test_info_all_and_versions():
    text = json.dumps({"errors": [], "info": {"primary": {"ipv4": ["192.168.64.5"], "state": "Running",
                                                          "release": "Ubuntu 24.04.1 LTS", "cpu_count": "1"},
                                              "b": {"ipv4": [], "state": "Stopped", "release": ""}}})
    warning = "Warning: the `--all` flag for the `info` command is deprecated.\n"
    info = mp.parse_info(text)
    assert info["primary"].ipv4 == ("192.168.64.5",) and info["b"].state == "Stopped"
    assert mp.parse_info(text + "\n") == info
    with pytest.raises(ParseError):
        mp.parse_info(warning)


def test_version_daemon_down_and_update():
    assert mp.parse_version('{\n    "multipass": "1.16.3+mac"\n}\n').daemon is None
    v = mp.parse_version(json.dumps({"multipass": "1.17.0-dev.5+g1234abcd.win", "multipassd": "1.17.0-dev.5+g1234abcd.win",
                                     "update": {"title": "t", "description": "d", "url": "u"}}))
    assert v.number == (1, 17, 0) and v.update["url"] == "u"


@pytest.mark.parametrize("text", ["", "{", '{"list": 3}', '{"list": [{"state": "Running"}]}', "garbage row",
                                  '{"multipassd": "1"}', "qemu\nlxd\n", "Qemu!"])
def test_garbage_raises_parse_error(text):
    for fn in KINDS.values():
        try:
            fn(text)
        except ParseError:
            pass


def test_cli_failure_prefix():
    assert mp.cli_failure("exec failed: IP not available\n") == ("exec", "IP not available")
    assert mp.cli_failure("ls: cannot access") is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_only_parse_errors(text):
    for fn in KINDS.values():
        try:
            fn(text)
        except ParseError:
            pass
