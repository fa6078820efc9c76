"""Multipass CLI output: `version`, `list`, `info`, `get` — JSON from 1.12 to main, and the
table forms users paste. Key order, `"N/A"` vs `[]` and `zone` differ by release."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from mpdiag.errors import ParseError

NO_IP = frozenset({"N/A", "--", "UNKNOWN", ""})
_PROMPT = re.compile(r"^\s*(?:\$|❯|▲|%|>|PS [^>]*>)\s")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Version:
    """`multipass version`: the client's version, the daemon's when it answered."""

    client: str
    daemon: str | None
    update: dict | None = None

    @property
    def number(self) -> tuple[int, int, int] | None:
        """The daemon's (else the client's) version as numbers, e.g. (1, 16, 3)."""
        return version_tuple(self.daemon or self.client)


@dataclass(frozen=True)
class Instance:
    """One instance as `list` or `info` shows it; `ipv4` holds real addresses only."""

    name: str
    state: str
    ipv4: tuple[str, ...]
    release: str = ""

    @property
    def running(self) -> bool:
        return self.state in ("Running", "Delayed Shutdown")


def version_tuple(text: str) -> tuple[int, int, int] | None:
    """`1.16.3+mac`, `1.17.0-dev.12+gabc.win` -> (1, 16, 3); None when it is no version."""
    m = _VERSION.match(text.strip())
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def _lines(text: str) -> list[str]:
    """Lines without pasted prompts/commands and blank lines."""
    return [ln for ln in text.splitlines() if ln.strip() and not _PROMPT.match(ln)]


def _json(text: str, what: str) -> object | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        return json.JSONDecoder().raw_decode(text[start:])[0]
    except json.JSONDecodeError as exc:
        raise ParseError(f"{what}: invalid JSON ({exc.msg} at char {exc.pos})", text) from exc
    except RecursionError:
        raise ParseError(f"{what}: JSON nested too deeply", text[:200]) from None


def parse_version(text: str) -> Version:
    """`multipass version [--format json]`. No `multipassd` means the daemon did not answer."""
    data = _json(text, "multipass version")
    if isinstance(data, dict):
        client = data.get("multipass")
        if not isinstance(client, str):
            raise ParseError("multipass version: no 'multipass' key", text)
        daemon = data.get("multipassd")
        return Version(client, daemon if isinstance(daemon, str) else None, data.get("update"))
    fields: dict[str, str] = {}
    for ln in _lines(text):
        parts = ln.split()
        if len(parts) == 2 and parts[0] in ("multipass", "multipassd"):
            fields[parts[0]] = parts[1]
    if "multipass" not in fields:
        raise ParseError("multipass version: neither JSON nor the 'multipass <version>' table", text)
    return Version(fields["multipass"], fields.get("multipassd"))


def _ips(values: object) -> tuple[str, ...]:
    """Real IPv4 addresses only: `"N/A"` (up to 1.16), `--`, `UNKNOWN` and anything else that
    is no IPv4 address mean "no IP" (`[]` on main)."""
    if not isinstance(values, list):
        return ()
    return tuple(v.strip() for v in values if isinstance(v, str) and _IPV4.match(v.strip()))


def _instance(name: str, obj: object, text: str) -> Instance:
    if not isinstance(obj, dict) or not isinstance(obj.get("state", ""), str):
        raise ParseError(f"multipass: instance {name!r} is not an object with a state", text)
    release = obj.get("release") or obj.get("image_release") or ""
    return Instance(name, obj.get("state", "Unknown"), _ips(obj.get("ipv4")), str(release))


def parse_list(text: str) -> list[Instance]:
    """`multipass list [--format json]`, or its table (also grep-filtered, headerless)."""
    data = _json(text, "multipass list")
    if isinstance(data, dict):
        items = data.get("list")
        if not isinstance(items, list):
            raise ParseError("multipass list: no 'list' array", text)
        out = []
        for obj in items:
            if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
                raise ParseError("multipass list: an entry without a name", text)
            out.append(_instance(obj["name"], obj, text))
        return out
    return _parse_list_table(text)


def _parse_list_table(text: str) -> list[Instance]:
    rows: list[Instance] = []
    for ln in _lines(text):
        if ln.startswith("No instances found"):
            return []
        parts = ln.split()
        if parts[:3] == ["Name", "State", "IPv4"]:
            continue
        if len(parts) == 1 and _IPV4.match(parts[0]) and rows:  # continuation line: another IP
            last = rows[-1]
            rows[-1] = Instance(last.name, last.state, last.ipv4 + (parts[0],), last.release)
            continue
        m = re.match(r"^(\S+)\s+(Delayed Shutdown|\S+)\s+(\S+)\s*(.*)$", ln)
        if not m:
            raise ParseError("multipass list: unreadable table row", ln)
        ip = () if m[3] in NO_IP else (m[3],)
        if ip and not _IPV4.match(ip[0]):
            raise ParseError("multipass list: the IPv4 column holds no address", ln)
        rows.append(Instance(m[1], m[2], ip, m[4].strip()))
    if not rows and text.strip():
        raise ParseError("multipass list: no instance rows", text)
    return rows


def parse_info(text: str) -> dict[str, Instance]:
    """`multipass info [--all] --format json` (or the table users paste)."""
    data = _json(text, "multipass info")
    if isinstance(data, dict):
        info = data.get("info")
        if not isinstance(info, dict):
            raise ParseError("multipass info: no 'info' object", text)
        return {name: _instance(name, obj, text) for name, obj in info.items()}
    return _parse_info_table(text)


def _parse_info_table(text: str) -> dict[str, Instance]:
    out: dict[str, Instance] = {}
    cur: dict[str, list[str]] = {}

    def flush() -> None:
        if "Name" in cur:
            name = cur["Name"][0]
            out[name] = Instance(name, cur.get("State", ["Unknown"])[0],
                                 _ips(cur.get("IPv4", [])),
                                 cur.get("Release", [""])[0])

    key = None
    for ln in _lines(text):
        m = re.match(r"^([A-Za-z][A-Za-z0-9 ()]*):\s*(.*)$", ln)
        if m:
            key = m[1]
            if key == "Name":
                flush()
                cur = {}
            cur.setdefault(key, []).append(m[2].strip())
        elif key and ln.startswith(" "):
            cur.setdefault(key, []).append(ln.strip())
        else:
            raise ParseError("multipass info: unreadable line", ln)
    flush()
    if not out and text.strip():
        raise ParseError("multipass info: no instance", text)
    return out


def parse_driver(text: str) -> str:
    """`multipass get local.driver`: one word such as qemu, hyperv, virtualbox, lxd."""
    words = [ln.strip() for ln in _lines(text)]
    if len(words) != 1 or not re.fullmatch(r"[a-z][a-z0-9_]*", words[0]):
        raise ParseError("multipass get local.driver: expected one driver name", text)
    return words[0]


_CLI_FAILURE = re.compile(r"^(\w[\w-]*) failed: (.*)", re.S)


def cli_failure(stderr: str) -> tuple[str, str] | None:
    """`exec failed: ...` -> ("exec", "..."): Multipass's own error, told apart from a remote rc."""
    m = _CLI_FAILURE.match(stderr.strip())
    return (m[1], m[2].strip()) if m else None
