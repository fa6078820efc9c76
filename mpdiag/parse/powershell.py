"""PowerShell output: `<cmdlet> | ConvertTo-Json` (what the probes run), plus the
Format-List / Format-Table text users paste into bug reports, and error records.

Why this shape: the Windows probes all go through `powershell -NoProfile
-NonInteractive -Command "... | ConvertTo-Json"`, so the JSON path is the one checks
depend on. Windows PowerShell 5.1 renders enums as ints and dates as
`"\\/Date(ms)\\/"`; PowerShell 7 renders some enums as strings; a cmdlet that finds
nothing prints nothing; one that fails prints an error record instead of data. The
Format-List / Format-Table parsers (what the corpus of real pastes holds) are in
mpdiag/parse/powershell_text.py; they yield the same dicts (string values) the rules accept.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from mpdiag.errors import ParseError

__all__ = [
    "PowerShellError",
    "SERVICE_STATUS",
    "SWITCH_TYPES",
    "ADDRESS_FAMILIES",
    "parse_json_objects",
    "prop",
    "ps_bool",
    "ps_date",
    "ps_guid",
    "switch_type_name",
    "service_status_name",
]

#: Microsoft.HyperV.PowerShell.VMSwitchType as ConvertTo-Json (5.1) renders it.
SWITCH_TYPES: dict[int, str] = {0: "Private", 1: "Internal", 2: "External"}

#: System.ServiceProcess.ServiceControllerStatus.
SERVICE_STATUS: dict[int, str] = {
    1: "Stopped",
    2: "StartPending",
    3: "StopPending",
    4: "Running",
    5: "ContinuePending",
    6: "PausePending",
    7: "Paused",
}

#: Get-NetIPAddress AddressFamily (System.Net.Sockets.AddressFamily values).
ADDRESS_FAMILIES: dict[int, str] = {2: "IPv4", 23: "IPv6"}

# HRESULT WBEM_E_INVALID_NAMESPACE, and the message in the locales we have seen.
_INVALID_NAMESPACE_HRESULT = "0x8004100e"
_INVALID_NAMESPACE_TEXTS = ("invalid namespace", "espace de noms non valide", "ungültiger namespace")

# A pasted prompt: `PS C:\> cmd`, `PS> cmd`, or cmd.exe's `C:\Users\x>cmd`.
PROMPT = re.compile(r"^(?:PS(?: [^\n>]*)?>|[A-Za-z]:\\[^\n>]*>)[ \t]?(.*)$")
_WARNING = re.compile(r"^(?:WARNING|WARNUNG|AVERTISSEMENT|ADVERTENCIA)\s?:", re.IGNORECASE)
# `Get-VMSwitch : message` (5.1) or `Get-VMSwitch: message` (7, concise view).
_ERROR_HEAD = re.compile(r"^([A-Za-z]+-[A-Za-z0-9]+)\s?:\s*(.*)$")
_ERROR_FIELD = re.compile(r"^\s*\+\s*(CategoryInfo|FullyQualifiedErrorId)\s*:\s*(.*)$")
_NOT_RECOGNIZED = re.compile(r"is not recognized as (?:an internal or external command|the name of a cmdlet)", re.I)
_WMIC_ERROR = re.compile(r"^\s*(?:ERROR|ERREUR|FEHLER|ERRORE)\s*:\s*$", re.IGNORECASE)
_WMIC_DESCRIPTION = re.compile(r"^\s*(?:Description|Beschreibung|Descripción|Descrizione)\s*=\s*(.*)$")
_DATE = re.compile(r"^\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/$")


class PowerShellError(ParseError):
    """PowerShell printed an error record (or the shell could not run it) instead of data.

    `category` is CategoryInfo's leading word (`MetadataError`, `ObjectNotFound`, ...),
    `error_id` the FullyQualifiedErrorId (`HRESULT 0x8004100e,...`), `message` the
    first line's text. A check uses :attr:`is_invalid_namespace` to tell "no
    SecurityCenter2 here (Windows Server): skip" from a real failure.
    """

    def __init__(self, message: str, text: str = "", category: str = "", error_id: str = "",
                 command: str = "") -> None:
        self.message = message
        self.category = category
        self.error_id = error_id
        self.command = command
        super().__init__(f"PowerShell error: {message}" if message else "PowerShell error", text)

    @property
    def is_invalid_namespace(self) -> bool:
        """True for the WMI 'Invalid namespace' error (SecurityCenter2 absent on Server)."""
        low = f"{self.message} {self.error_id}".lower()
        return _INVALID_NAMESPACE_HRESULT in low or any(t in low for t in _INVALID_NAMESPACE_TEXTS)

    @property
    def is_not_found(self) -> bool:
        """True when the cmdlet ran but found no such object (`... was not found`)."""
        return self.category == "ObjectNotFound" or "unable to find" in self.message.lower() or (
            "not found" in self.message.lower() and not self.is_command_missing)

    @property
    def is_command_missing(self) -> bool:
        """True when powershell or the cmdlet itself does not exist."""
        return bool(_NOT_RECOGNIZED.search(self.message)) or "CommandNotFoundException" in self.error_id


# --------------------------------------------------------------------------- JSON


def parse_json_objects(text: str) -> list[dict[str, Any]]:
    """All JSON objects in ConvertTo-Json output, in order.

    One object -> [obj]; an array -> its elements; several top-level values (one
    ConvertTo-Json per pipeline element, or a paste run twice) -> all of them;
    empty output -> [] (a cmdlet that found nothing prints nothing). Prompt lines and
    `WARNING:` lines (depth truncation) are skipped. Error records raise
    :class:`PowerShellError`; anything else unreadable raises :class:`ParseError`.
    """
    if not isinstance(text, str):
        raise ParseError("PowerShell output is not text", repr(text)[:200])
    lines = [ln for ln in text.split("\n") if not PROMPT.match(ln) and not _WARNING.match(ln)]
    body = "\n".join(lines).strip().lstrip("\ufeff")
    if not body:
        return []
    if body[0] not in "[{":
        _raise_if_error(text)
        raise ParseError("PowerShell output is not JSON", text)
    decoder = json.JSONDecoder()
    out: list[dict[str, Any]] = []
    pos = 0
    while pos < len(body):
        while pos < len(body) and body[pos] in " \t\r\n":
            pos += 1
        if pos >= len(body):
            break
        try:
            value, pos = decoder.raw_decode(body, pos)
        except (ValueError, RecursionError) as exc:
            _raise_if_error(body[pos:])
            raise ParseError(f"PowerShell JSON unreadable at offset {pos}", text) from exc
        out.extend(_objects(value, text))
    return out


def _objects(value: Any, text: str) -> list[dict[str, Any]]:
    # 5.1 wraps some arrays as {"value": [...], "Count": n}: unwrap them.
    if isinstance(value, dict) and set(value) == {"value", "Count"} and isinstance(value["value"], list):
        value = value["value"]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        out: list[dict[str, Any]] = []
        for item in value:
            if item is None:
                continue
            if not isinstance(item, dict):
                raise ParseError("PowerShell JSON array holds a non-object", text)
            out.append(item)
        return out
    raise ParseError("PowerShell JSON is not an object or array", text)


def _raise_if_error(text: str) -> None:
    """Raise PowerShellError if `text` looks like an error record, a missing
    command, or wmic's `ERROR: / Description = ...`."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    command = ""
    if lines:
        m = PROMPT.match(lines[0])
        if m:
            command = m.group(1).strip()
    for i, line in enumerate(lines):
        if _NOT_RECOGNIZED.search(line):
            raise PowerShellError(line.strip(), text, category="ObjectNotFound",
                                  error_id="CommandNotFoundException", command=command)
        if _WMIC_ERROR.match(line):
            desc = ""
            for nxt in lines[i + 1:i + 4]:
                d = _WMIC_DESCRIPTION.match(nxt)
                if d:
                    desc = d.group(1).strip()
                    break
            raise PowerShellError(desc or line.strip(), text, category="WmicError", command=command)
    fields: dict[str, str] = {}
    for line in lines:
        f = _ERROR_FIELD.match(line)
        if f:
            fields.setdefault(f.group(1), f.group(2).strip())
    head = None
    for line in lines:
        if PROMPT.match(line):
            continue
        head = _ERROR_HEAD.match(line)
        break
    if head or fields:
        message = head.group(2).strip() if head else ""
        if head:
            # The message may wrap onto following lines until `At line:` / `+ `.
            start = lines.index(head.group(0)) + 1
            for nxt in lines[start:]:
                s = nxt.strip()
                if s.startswith(("At line:", "At ", "+", "~")) or _ERROR_FIELD.match(nxt):
                    break
                message += " " + s
        category = fields.get("CategoryInfo", "").split(":", 1)[0].strip()
        raise PowerShellError(message.strip(), text, category=category,
                              error_id=fields.get("FullyQualifiedErrorId", ""),
                              command=head.group(1) if head else command)


# ---------------------------------------------------------------------- helpers


def prop(obj: dict[str, Any], name: str, default: Any = None) -> Any:
    """`obj[name]`, case-insensitively (HNS says `ID`, Hyper-V `Id`, WMI `displayName`)."""
    if name in obj:
        return obj[name]
    low = name.lower()
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == low:
            return value
    return default


def ps_bool(value: Any) -> bool | None:
    """True/False from JSON booleans, `"True"`/`"False"` (Format-List), 0/1; else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
    return None


def ps_date(value: Any) -> datetime | None:
    """`"\\/Date(1690000000000)\\/"` (5.1) or an ISO string (7) -> aware datetime; else None."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    try:
        if m:
            return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=timezone.utc)
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def ps_guid(value: Any) -> str | None:
    """A GUID as lowercase `xxxxxxxx-...` from a string (any case, braces) or a
    `{"Guid": ...}` object; None if it is not one."""
    if isinstance(value, dict):
        value = prop(value, "Guid", prop(value, "value"))
    if not isinstance(value, str):
        return None
    s = value.strip().strip("{}").lower()
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", s):
        return s
    return None


def _enum_name(value: Any, table: dict[int, str]) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return table.get(value)
    if isinstance(value, dict):  # 7 sometimes: {"value": 4, ...}
        return _enum_name(prop(value, "value"), table)
    if isinstance(value, str):
        s = value.strip()
        if s.isdigit():
            return table.get(int(s))
        for name in table.values():
            if name.lower() == s.lower():
                return name
    return None


def switch_type_name(value: Any) -> str | None:
    """SwitchType as `Private`/`Internal`/`External`, from 0/1/2 or the name."""
    return _enum_name(value, SWITCH_TYPES)


def service_status_name(value: Any) -> str | None:
    """Service Status as `Running`/`Stopped`/..., from 4/1/... or the name."""
    return _enum_name(value, SERVICE_STATUS)
