"""windows.ics.name_resolves' parsers: Resolve-DnsName's JSON and error record (PowerShell 5.1's
formats, as the Windows scenarios render them) and the TcpClient probe's one line."""

from __future__ import annotations

import pytest

from mpdiag.errors import ParseError
from mpdiag.parse.mshome import NAME_ERRORS, parse_resolve, parse_tcp_connect
from mpdiag.parse.unavailable import Absent
from mpdiag.probes.windows import _NAME_NOT_RESOLVED, powershell_error
from mpdiag.runner import CommandResult
from scenarios.windows.formats import NAME_DOES_NOT_EXIST, ps_out


def test_a_records_only_in_order():
    out = ps_out([{"Name": "primary.mshome.net", "Type": 5, "IPAddress": None},
                  {"Name": "primary.mshome.net", "Type": 1, "IPAddress": "172.22.165.23"},
                  {"Name": "primary.mshome.net", "Type": 28, "IPAddress": "fe80::215:5dff:fe01:2"}])
    assert parse_resolve(out) == ["172.22.165.23"]
    assert parse_resolve(ps_out({"Name": "primary.mshome.net", "Type": 1, "IPAddress": "172.22.165.23"})) == [
        "172.22.165.23"]
    assert parse_resolve("") == []
    with pytest.raises(ParseError):
        parse_resolve(ps_out({"Name": "x", "Type": 1, "IPAddress": "not-an-ip"}))


def test_name_error_record_is_read_from_stderr():
    res = CommandResult(("powershell",), 1, b"", NAME_DOES_NOT_EXIST.encode(), 0.1, False)
    err = powershell_error(res)
    assert err is not None and err.error_id.startswith("DNS_ERROR_RCODE_NAME_ERROR")
    assert any(t in f"{err.error_id}: {err.message}" for t in NAME_ERRORS)
    absent = _NAME_NOT_RESOLVED(res)   # the probe's reader: the record is the answer "no such name"
    assert isinstance(absent, Absent) and "DNS name does not exist" in absent.why
    other = CommandResult(("powershell",), 1, b"", b"Resolve-DnsName : access denied\r\n", 0.1, False)
    assert _NAME_NOT_RESOLVED(other) is None   # any other failure stays an error


def test_tcp_connect():
    assert parse_tcp_connect('{"Error":null,"Connected":true}\r\n').connected is True
    refused = parse_tcp_connect('{"Connected":false,"Error":"No connection could be made because the target '
                                'machine actively refused it 172.22.165.23:22"}')
    assert not refused.connected and "actively refused" in refused.error
    assert parse_tcp_connect('{"Connected":false,"Error":null}').error is None   # the 3 s wait ran out
    for bad in ("", "True", '{"Connected":"yes"}'):
        with pytest.raises(ParseError):
            parse_tcp_connect(bad)
