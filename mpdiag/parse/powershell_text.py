"""PowerShell output as users paste it into bug reports: Format-List / Format-Table text,
hashtables, several prompts in one paste. They yield the same dicts (string values) as
:func:`mpdiag.parse.powershell.parse_json_objects`, so the rules accept either; the probes
themselves read JSON (mpdiag/parse/powershell.py).
"""

from __future__ import annotations

import re

from mpdiag.errors import ParseError
from mpdiag.parse.powershell import PROMPT

__all__ = ["split_prompt_sections", "parse_format_list", "parse_format_table", "parse_ps_hashtables"]

_DASHES = re.compile(r"^\s*-+(?:[ \t]+-+)*\s*$")
# `Name : value`: the name up to the first colon, rstripped in code (a lazy `[^:]*?\s*:`
# retries the spaces from every position: quadratic on a long line of spaces)
_FL_PROPERTY = re.compile(r"^([^\s:][^:]*):(?:[ \t](.*))?$")


def split_prompt_sections(text: str) -> list[tuple[str | None, str]]:
    """Split a paste at its prompt lines: [(command or None, output), ...].

    Users paste several commands in one block (`PS C:\\> Get-Service ...` then
    `PS C:\\> Get-WindowsOptionalFeature ...`); each output needs its own parser.
    Text before the first prompt comes with command None (dropped if blank).
    """
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.split("\n"):
        m = PROMPT.match(line)
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
    lines = [ln.rstrip() for ln in text.split("\n") if not PROMPT.match(ln)]
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
        if PROMPT.match(line):
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
