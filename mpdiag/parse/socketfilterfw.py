"""`/usr/libexec/ApplicationFirewall/socketfilterfw` (macOS application firewall).

"Block all incoming connections" stops the local DHCP server (bootpd), so the
firewall checks need the global state, block-all, stealth mode and bootpd's own
verdict. Wordings differ across macOS releases (`Block all DISABLED!` on older ones,
`Firewall has block all state set to disabled.` on newer); all known ones are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

_STATE = re.compile(r"\(State = ([0-9])\)")
_GLOBAL = re.compile(r"^Firewall is (enabled|disabled)\b", re.I)
_GLOBAL_BLOCK = re.compile(r"^Firewall is (?:blocking|set to block) all\b", re.I)
# Patterns are searched once per line, a value only after its keyword: no lazy `.*?` that
# scans the rest of the line from every occurrence (quadratic on `block all ` * 50000).
_BLOCK_ALL = re.compile(r"\bblock all\b", re.I)
_STEALTH = re.compile(r"\bstealth mode\b", re.I)
_ON_OFF = re.compile(r"\b(enabled|disabled|on|off)\b", re.I)
_ERROR = re.compile(r"^(?:ALF: ?Error\b|Error\b).*", re.I)
_ON = {"enabled": True, "on": True, "disabled": False, "off": False}

_APP_COUNT = re.compile(r"total number of apps = ([0-9]{1,6})", re.I)
_APP_PATH = re.compile(r"^\s*[0-9]{1,6}\s*:\s+(\S.*)")
_APP_VERDICT = re.compile(r"\(\s*(Allow|Block) incoming connections\s*\)", re.I)

_BLOCKED_PATH = re.compile(r"\bapplication\s+(?=/)", re.I)
_PATH_END = re.compile(r"(?<!\s)\s+is\b", re.I)  # tried at the start of a blank run only
_ASKED_PATH = re.compile(r"--getappblocked\s+(\S.*)")
_NOT_IN_FW = re.compile(r"\bnot part of the firewall\b|\bnot in the firewall\b", re.I)
_VERDICT_BLOCKED = re.compile(r"\bblocked\b|\bblocking\b", re.I)
_VERDICT_ALLOWED = re.compile(r"\bpermitted\b|\ballowed\b|\bunblocked\b", re.I)


@dataclass(frozen=True)
class FirewallState:
    """Global settings; None where the output does not say (or the query failed)."""

    enabled: bool | None
    block_all: bool | None
    stealth: bool | None
    errors: tuple[str, ...]


@dataclass(frozen=True)
class AppBlocked:
    """`--getappblocked PATH`: `in_firewall` False means the app has no rule at all."""

    path: str
    blocked: bool | None
    in_firewall: bool


def parse_firewall_state(text: str) -> FirewallState:
    """Any mix of `--getglobalstate`, `--getblockall`, `--getstealthmode` output
    (one query or several at once). State 2 means enabled with block-all on."""
    enabled = block_all = stealth = None
    errors: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        state = _STATE.search(line)
        if _GLOBAL_BLOCK.match(line) or (state and state.group(1) == "2"):
            enabled, block_all = True, True
        elif m := _GLOBAL.match(line):
            enabled = m.group(1).lower() == "enabled"
        elif state and state.group(1) in "01":
            enabled = state.group(1) == "1"
        elif m := _keyword_value(_BLOCK_ALL, line):
            block_all = _ON[m.group(1).lower()]
        elif m := _keyword_value(_STEALTH, line):
            stealth = _ON[m.group(1).lower()]
        elif _ERROR.match(line):
            errors.append(line)
    if enabled is None and block_all is None and stealth is None and not errors:
        raise ParseError("no firewall setting found in socketfilterfw output", text)
    return FirewallState(enabled, block_all, stealth, tuple(errors))


def _keyword_value(keyword: "re.Pattern[str]", line: str) -> "re.Match[str] | None":
    """The first on/off word after the first occurrence of the keyword (one pass)."""
    k = keyword.search(line)
    return _ON_OFF.search(line, k.end()) if k else None


def _blocked_path(line: str) -> str | None:
    """`application /path/App.app is ...`: the path up to the first ` is`."""
    k = _BLOCKED_PATH.search(line)
    if not k:
        return None
    end = _PATH_END.search(line, k.end())
    return line[k.end():end.start()] if end and end.start() > k.end() else None


def parse_listapps(text: str) -> dict[str, bool]:
    """`--listapps`: path (or bundle id) -> incoming connections allowed. Old layout
    `ALF: total number of apps = N` / `( Allow incoming connections )`, new layout
    `Total number of apps = N` / `(Allow incoming connections)`; apps cut off before
    their verdict are left out."""
    apps: dict[str, bool] = {}
    counted = False
    pending: str | None = None
    for line in text.split("\n"):
        if _APP_COUNT.search(line):
            counted = True
        elif m := _APP_VERDICT.search(line):
            if pending is not None:
                apps[pending] = m.group(1).lower() == "allow"
                pending = None
        elif m := _APP_PATH.match(line):
            pending = m.group(1).rstrip()
    if not counted and not apps:
        raise ParseError("not socketfilterfw --listapps output", text)
    return apps


def parse_appblocked(text: str) -> AppBlocked:
    """`--getappblocked PATH`: `... is not part of the firewall`, `... is blocked`
    (`blocked from receiving incoming connections`), `... is permitted`."""
    path = ""
    for line in text.split("\n"):
        blocked = _blocked_path(line)
        if blocked:
            path = blocked
            break
        if m := _ASKED_PATH.search(line):
            path = m.group(1).rstrip()
    for line in text.split("\n"):
        if _ASKED_PATH.search(line):
            continue  # the echoed command, not the answer
        if _NOT_IN_FW.search(line):
            return AppBlocked(path, None, False)
        if _VERDICT_BLOCKED.search(line) and not _VERDICT_ALLOWED.search(line):
            return AppBlocked(path, True, True)
        if _VERDICT_ALLOWED.search(line):
            return AppBlocked(path, False, True)
    raise ParseError("no verdict in socketfilterfw --getappblocked output", text)
