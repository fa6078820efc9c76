"""PowerShell output: `<cmdlet> | ConvertTo-Json` (what the probes run), plus the
Format-List / Format-Table text users paste into bug reports, and error records.

Why this shape: the Windows probes all go through `powershell -NoProfile
-NonInteractive -Command "... | ConvertTo-Json"`, so the JSON path is the one checks
depend on. Windows PowerShell 5.1 renders enums as ints and dates as
`"\\/Date(ms)\\/"`; PowerShell 7 renders some enums as strings; a cmdlet that finds
nothing prints nothing; one that fails prints an error record instead of data. The
Format-List / Format-Table parsers exist because that is what the corpus (real
pastes) holds, and they yield the same dicts (string values) the facts accept.
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
    "parse_format_list",
    "parse_format_table",
    "parse_ps_hashtables",
    "split_prompt_sections",
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
_PROMPT = re.compile(r"^(?:PS(?: [^\n>]*)?>|[A-Za-z]:\\[^\n>]*>)[ \t]?(.*)$")
_WARNING = re.compile(r"^(?:WARNING|WARNUNG|AVERTISSEMENT|ADVERTENCIA)\s?:", re.IGNORECASE)
# `Get-VMSwitch : message` (5.1) or `Get-VMSwitch: message` (7, concise view).
_ERROR_HEAD = re.compile(r"^([A-Za-z]+-[A-Za-z0-9]+)\s?:\s*(.*)$")
_ERROR_FIELD = re.compile(r"^\s*\+\s*(CategoryInfo|FullyQualifiedErrorId)\s*:\s*(.*)$")
_NOT_RECOGNIZED = re.compile(r"is not recognized as (?:an internal or external command|the name of a cmdlet)", re.I)
_WMIC_ERROR = re.compile(r"^\s*(?:ERROR|ERREUR|FEHLER|ERRORE)\s*:\s*$", re.IGNORECASE)
_WMIC_DESCRIPTION = re.compile(r"^\s*(?:Description|Beschreibung|Descripción|Descrizione)\s*=\s*(.*)$")
_DATE = re.compile(r"^\\?/Date\((-?\d+)(?:[+-]\d{4})?\)\\?/$")
_DASHES = re.compile(r"^\s*-+(?:[ \t]+-+)*\s*$")
# `Name : value`: the name up to the first colon, rstripped in code (a lazy `[^:]*?\s*:`
# retries the spaces from every position: quadratic on a long line of spaces)
_FL_PROPERTY = re.compile(r"^([^\s:][^:]*):(?:[ \t](.*))?$")


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
    lines = [ln for ln in text.split("\n") if not _PROMPT.match(ln) and not _WARNING.match(ln)]
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
        m = _PROMPT.match(lines[0])
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
        if _PROMPT.match(line):
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


# --------------------------------------------------------------- pasted text forms


def split_prompt_sections(text: str) -> list[tuple[str | None, str]]:
    """Split a paste at its prompt lines: [(command or None, output), ...].

    Users paste several commands in one block (`PS C:\\> Get-Service ...` then
    `PS C:\\> Get-WindowsOptionalFeature ...`); each output needs its own parser.
    Text before the first prompt comes with command None (dropped if blank).
    """
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        m = _PROMPT.match(line)
        if m:
            sections.append((m.group(1).strip(), []))
        else:
            sections[-1][1].append(line)
    out = [(cmd, "\n".join(body)) for cmd, body in sections]
    if out and out[0][0] is None and not out[0][1].strip():
        out.pop(0)
    return out


def parse_format_list(text: str) -> list[dict[str, str]]:
    """`... | Format-List` text -> one dict per record (records split by blank lines).

    Values are the strings shown; indented continuation lines are joined with
    newlines. A last line cut mid-key (a truncated paste) is dropped, since the
    corpus is full of those; any other stray line is a ParseError.
    """
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last_key: str | None = None
    lines = [ln.rstrip() for ln in text.split("\n") if not _PROMPT.match(ln)]
    while lines and not lines[-1].strip():
        lines.pop()
    for idx, line in enumerate(lines):
        if not line.strip():
            if current:
                records.append(current)
            current, last_key = {}, None
            continue
        if line[0] in " \t":
            if last_key is None:
                raise ParseError("Format-List continuation without a property", text)
            current[last_key] = (current[last_key] + "\n" + line.strip()).strip("\n")
            continue
        m = _FL_PROPERTY.match(line)
        if m:
            last_key = m.group(1).rstrip()
            current[last_key] = (m.group(2) or "").strip()
            continue
        if idx == len(lines) - 1:
            break  # a paste cut mid-line
        raise ParseError("not Format-List output", text)
    if current:
        records.append(current)
    if not records and text.strip():
        raise ParseError("no Format-List properties found", text)
    return records


def parse_format_table(text: str) -> list[dict[str, str]]:
    """`... | Format-Table` text (the default view of Get-NetAdapter, Get-Service)
    -> one dict per row, keyed by the column headers.

    Columns come from the dash line under the headers. A right-aligned value wider
    than its header spills left of the dashes; the cut is then moved to the space
    before it. Cells truncated by PowerShell keep their `...`/`…`.
    """
    lines = [ln.rstrip() for ln in text.split("\n")]
    rows: list[dict[str, str]] = []
    spans: list[tuple[int, int]] | None = None
    headers: list[str] = []
    in_table = 0
    found = False
    for i, line in enumerate(lines):
        if _PROMPT.match(line):
            spans = None
            continue
        if i + 1 < len(lines) and line.strip() and _DASHES.match(lines[i + 1]) and not _DASHES.match(line):
            continue  # a header line: read with its dash line below
        if _DASHES.match(line) and i > 0 and lines[i - 1].strip():
            spans = [(m.start(), m.end()) for m in re.finditer(r"-+", line)]
            header = lines[i - 1]
            headers = []
            for n, (s, e) in enumerate(spans):
                h = header[s:e].strip() or f"col{n}"
                headers.append(h if h not in headers else f"{h}_{n}")
            in_table, found = 0, True
            continue
        if spans is None:
            continue
        if not line.strip():
            if in_table:
                spans = None
            continue
        rows.append(_table_row(line, spans, headers))
        in_table += 1
    if not found and text.strip():
        raise ParseError("no Format-Table header found", text)
    return rows


def _table_row(line: str, spans: list[tuple[int, int]], headers: list[str]) -> dict[str, str]:
    cuts = [s for s, _ in spans] + [max(len(line), spans[-1][1])]
    cuts[0] = 0
    for n in range(1, len(spans)):
        c = cuts[n]
        if 0 < c < len(line) and line[c - 1] != " " and line[c] != " ":
            j = c
            while j > cuts[n - 1] and line[j - 1] != " ":
                j -= 1
            if j > cuts[n - 1]:
                cuts[n] = j
    return {h: line[cuts[n]:cuts[n + 1]].strip() for n, h in enumerate(headers)}


def parse_ps_hashtables(value: str) -> list[dict[str, str]]:
    """`@{A=1; B=x}` / `{@{...}, @{...}}` (how Format-List, and ConvertTo-Json past
    its -Depth, show nested objects) -> list of dicts of strings."""
    out: list[dict[str, str]] = []
    for m in re.finditer(r"@\{([^{}]*)\}", value):
        entry: dict[str, str] = {}
        for part in m.group(1).split(";"):
            part = " ".join(part.split())
            if not part:
                continue
            key, sep, val = part.partition("=")
            if not sep:
                raise ParseError("PowerShell hashtable entry without '='", value)
            entry[key.strip()] = val.strip()
        out.append(entry)
    if not out and value.strip() not in ("", "{}"):
        raise ParseError("not a PowerShell hashtable", value)
    return out


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
