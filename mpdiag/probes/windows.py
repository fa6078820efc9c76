"""Windows host probes (names per design.md; stable once released).

Every PowerShell probe runs as one argv: `powershell -NoProfile -NonInteractive
-Command "<cmdlet> | ConvertTo-Json [-Depth N]"` (no shell string is built from
anything a probe printed). When the cmdlet fails, PowerShell writes an error record
to stderr and exits 1, so the probe layer reports an error (the check's outcome is
*error*, with the record's text), except where the record means "not there" for that
probe: its readers (:func:`powershell_record`) then give a typed value
(mpdiag.parse.unavailable: SecurityCenter2's `Invalid namespace` on Windows Server, no
SharedAccess service, no Default Switch address, no Multipass event source are
:class:`Absent`), so no check looks at the raw result. The parsers stay pure (text in,
data or ParseError out).

Deviations from design.md's table, on purpose:
- `default_switch_ip` finds the adapter through the switch's fixed Id, not the
  literal alias `vEthernet (Default Switch)`: the switch name (and so the adapter's
  alias) is localized (`vEthernet (Standardswitch)` on a German Windows).
- `hosts_ics` runs `cmd /d /c if exist <file> (type <file>) else (exit /b 3)`:
  byte for byte like `type`, and a missing file is exit code 3 (:class:`Absent`), told
  apart from an unreadable one (exit 1: error).
"""

from __future__ import annotations

from typing import Any, Callable

from mpdiag.errors import NeedsPrivilege, ParseError
from mpdiag.host.rules.windows import DEFAULT_SWITCH_ID
from mpdiag.parse.bcdedit import is_access_denied, parse_bcdedit
from mpdiag.parse.powershell import PowerShellError, parse_json_objects, prop, ps_bool
from mpdiag.parse.unavailable import Absent, Denied, Reader, exit_code
from mpdiag.probes import Probe, register
from mpdiag.runner import CommandResult
from mpdiag.host.rules.logs import parse_events
from mpdiag.parse.hosts_ics import parse_hosts_ics
from mpdiag.parse.mshome import NAME_ERRORS, TIMEOUTS, parse_resolve, parse_tcp_connect
from mpdiag.parse.netsh import parse_excluded_port_ranges, parse_portproxy
from mpdiag.parse.powershell import parse_json_objects

WINDOWS = frozenset({"windows"})
HOSTS_ICS = r"C:\Windows\System32\drivers\etc\hosts.ics"
HOSTS_ICS_ABSENT_RC = 3
MULTIPASSD_PORT = 50051
POWERSHELL = ("powershell", "-NoProfile", "-NonInteractive", "-Command")

# The adapter of the switch with the Default Switch's Id, whatever its localized name.
_DEFAULT_SWITCH_IP = (
    "Get-NetIPAddress -InterfaceAlias ('vEthernet (' + (Get-VMSwitch -Id "
    f"{DEFAULT_SWITCH_ID.upper()}).Name + ')') -AddressFamily IPv4 | ConvertTo-Json"
)


def _ps(name: str, script: str, parse: Any = parse_json_objects, **kw) -> Probe:
    return Probe(name, WINDOWS, parse, (*POWERSHELL, script), **kw)


def parse_hypervisor_present(text: str) -> bool:
    """`Select-Object HypervisorPresent | ConvertTo-Json` -> the boolean."""
    objs = parse_json_objects(text)
    if len(objs) != 1:
        raise ParseError(f"expected one Win32_ComputerSystem object, got {len(objs)}", text)
    value = ps_bool(prop(objs[0], "HypervisorPresent"))
    if value is None:
        raise ParseError("Win32_ComputerSystem without a HypervisorPresent boolean", text)
    return value


def parse_bcdedit_probe(text: str) -> dict[str, str]:
    """bcdedit's {current} entry; "Access is denied" means the prompt is not elevated."""
    if is_access_denied(text):
        raise NeedsPrivilege(ELEVATE)
    return parse_bcdedit(text)


ELEVATE = ("bcdedit needs an elevated prompt: run the terminal as Administrator "
           "(right-click > Run as administrator), then pytest again")


def powershell_error(res: CommandResult) -> PowerShellError | None:
    """The PowerShell error record a probe printed instead of data, or None.

    Looks at stdout first (a bundle made with `2>&1` holds the record there), then,
    when stdout holds no data, at stderr (where powershell.exe writes it, exit 1).
    """
    if res.timed_out:
        return None
    out = res.text
    if out.strip():
        try:
            parse_json_objects(out)
        except PowerShellError as exc:
            return exc
        except ParseError:
            return None
        return None
    err = res.error_text
    if not err:
        return None
    try:
        parse_json_objects(err)
    except PowerShellError as exc:
        return exc
    except ParseError:
        return None
    return None


def powershell_record(kind: type, matches: Callable[[PowerShellError], bool], value: Any = None) -> Reader:
    """A reader: an error record that `matches` makes the probe's value `kind(message)`
    (or `value` itself, when the record means "no data, and that is the data")."""
    def read(res: CommandResult) -> Any:
        err = powershell_error(res)
        if err is None or not matches(err):
            return None
        return value if value is not None else kind(err.message)

    return read


def bcdedit_denied(res: CommandResult) -> Denied | None:
    """bcdedit refused to open the boot store (not elevated), on stdout or stderr."""
    if res.rc != 0 and is_access_denied(f"{res.text}\n{res.error_text}"):
        return Denied("bcdedit needs an elevated prompt (run the terminal as Administrator to see it)")
    return None


def _no_event_source(err: PowerShellError) -> bool:
    return "NoMatchingProvidersFound" in err.error_id or "event provider" in err.message.lower()


def _no_events(err: PowerShellError) -> bool:
    return "NoMatchingEventsFound" in err.error_id or "no events were found" in err.message.lower()


_NOT_FOUND = powershell_record(Absent, lambda e: e.is_not_found)


register(
    _ps("vm_switches", "Get-VMSwitch | ConvertTo-Json -Depth 3",
        description="Hyper-V switches (the Default Switch is found by its Id)"),
    _ps("hns_networks", "Get-HNSNetwork | ConvertTo-Json -Depth 4",
        description="HNS networks, their subnets and gateways"),
    _ps("default_switch_ip", _DEFAULT_SWITCH_IP, readers=(_NOT_FOUND,),
        description="IPv4 of the Default Switch's vEthernet adapter (found by the switch Id)"),
    _ps("ipv4_addresses", "Get-NetIPAddress -AddressFamily IPv4 | Select-Object InterfaceAlias,IPAddress,"
        "PrefixLength | ConvertTo-Json",
        description="every adapter's IPv4 and prefix (zone subnets must not overlap them)"),
    _ps("ics_service", "Get-Service SharedAccess | ConvertTo-Json", readers=(_NOT_FOUND,),
        description="the Internet Connection Sharing service"),
    _ps("antivirus",
        "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | ConvertTo-Json",
        readers=(powershell_record(Absent, lambda e: e.is_invalid_namespace),),
        description="anti-virus products registered with the Security Center"),
    _ps("hypervisor_present",
        "Get-CimInstance Win32_ComputerSystem | Select-Object HypervisorPresent | ConvertTo-Json",
        parse=parse_hypervisor_present, description="is the hypervisor running"),
    Probe("hosts_ics", WINDOWS, parse_hosts_ics,
          ("cmd", "/d", "/c", f"if exist {HOSTS_ICS} (type {HOSTS_ICS}) else (exit /b {HOSTS_ICS_ABSENT_RC})"),
          readers=(exit_code(HOSTS_ICS_ABSENT_RC, Absent, "hosts.ics does not exist"),),
          description="ICS's name -> address file (exit 3: absent)"),
    Probe("excluded_ports", WINDOWS, parse_excluded_port_ranges,
          ("netsh", "interface", "ipv4", "show", "excludedportrange", "protocol=tcp"),
          description="TCP port ranges reserved by Hyper-V/WinNAT"),
    Probe("portproxy", WINDOWS, parse_portproxy,
          ("netsh", "interface", "portproxy", "show", "all"), description="port proxy rules"),
    Probe("bcdedit", WINDOWS, parse_bcdedit_probe, ("bcdedit", "/enum", "{current}"), privileged=True,
          readers=(bcdedit_denied,),
          description="boot entry: hypervisorlaunchtype (needs Administrator)"),
)

# multipassd's events (Event Viewer > Windows Logs > Application, source "Multipass"): known
# failure signatures (windows.logs.known_errors). No event at all is PowerShell's
# `NoMatchingEventsFound` error (exit 1), no such source `NoMatchingProvidersFound`.
MULTIPASS_EVENTS = ("Get-WinEvent -ProviderName Multipass -MaxEvents 500 | "
                    "Select-Object TimeCreated,LevelDisplayName,Message | ConvertTo-Json")

register(
    _ps("multipass_events", MULTIPASS_EVENTS, parse=parse_events,
        readers=(powershell_record(Absent, _no_event_source), powershell_record(list, _no_events, value=[])),
        description="multipassd's newest events in the Application log (known failure signatures)"),
)


# Today's Multipass (issue 11): what the client connects to, `<instance>.mshome.net` port 22.
# The name is the instance's (`[A-Za-z0-9-]`, Multipass's own rule), so it is safe inside the quotes.
MSHOME_RESOLVE = ("Resolve-DnsName -Name '{name}.mshome.net' -Type A -ErrorAction Stop | "
                  "Select-Object Name,Type,IPAddress | ConvertTo-Json")
MSHOME_SSH = ("$c = New-Object System.Net.Sockets.TcpClient; try { $ok = $c.ConnectAsync('{name}.mshome.net', 22)"
              ".Wait(3000); @{Connected=$ok; Error=$null} | ConvertTo-Json -Compress } catch { @{Connected=$false; "
              "Error=$_.Exception.InnerException.Message} | ConvertTo-Json -Compress } finally { $c.Close() }")

def _unresolved(err: PowerShellError) -> bool:
    said = f"{err.error_id}: {err.message}".lower()
    return any(t.lower() in said for t in (*NAME_ERRORS, *TIMEOUTS))


# the name does not exist, or no DNS server answered in time: Absent, with the record's words
_NAME_NOT_RESOLVED = powershell_record(Absent, _unresolved)

register(
    _ps("mshome_resolve", MSHOME_RESOLVE, parse=parse_resolve, readers=(_NAME_NOT_RESOLVED,),
        description="the instance's <name>.mshome.net, as the client resolves it"),
    _ps("mshome_ssh", MSHOME_SSH, parse=parse_tcp_connect,
        description="a TCP connect to <name>.mshome.net port 22 (where the client's SSH goes), 3 s"),
)
