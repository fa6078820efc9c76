"""Where a proxy is set: environment lines (`KEY=VALUE`, from /proc/<pid>/environ, the
Windows machine environment, /etc/environment), `snap get -d multipass proxy`, and the
`EnvironmentVariables` of multipassd's launchd plist. Only proxy variables are kept, and a
password in a proxy URL is masked before anything is stored."""

from __future__ import annotations

import plistlib
import re

from mpdiag.errors import ParseError
from mpdiag.parse.text import load_json

PROXY_KEYS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
              "no_proxy", "NO_PROXY")
_KEY = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_PASSWORD = re.compile(r"(://[^:/@\s]*):[^@\s]*@")
NO_DAEMON = "no multipassd process"


def mask(url: str) -> str:
    """`http://user:secret@host:3128` -> `http://user:***@host:3128`."""
    return _PASSWORD.sub(r"\1:***@", url)


def proxies_of(env: dict) -> dict[str, str]:
    """The proxy variables of an environment mapping (exact names: Multipass is case-sensitive)."""
    return {k: mask(str(v)) for k, v in env.items() if k in PROXY_KEYS and str(v).strip()}


def parse_env_lines(text: str) -> dict[str, str] | None:
    """`KEY=VALUE` lines (quotes stripped) -> the proxy variables; None when the probe said
    there is no multipassd process to read."""
    if text.strip() == NO_DAEMON:
        return None
    env: dict[str, str] = {}
    for line in text.splitlines():
        m = _KEY.match(line.strip())
        if m:
            env[m[1]] = m[2].strip().strip("'\"")
    return proxies_of(env)


def parse_snap_proxy(text: str) -> dict[str, str] | None:
    """`snap get -d multipass proxy` -> {"proxy.http": ..., "proxy.https": ...}; the error text of
    an unset option (`snap "multipass" has no "proxy" configuration option`) is {}; None when
    there is no snap (or no multipass snap) to ask."""
    if re.search(r"snap: (?:command )?not found|snap \"multipass\" not found|No such file", text):
        return None
    if not text.strip() or 'has no "proxy" configuration option' in text:
        return {}
    data = load_json(text, "`snap get -d multipass proxy`")
    proxy = data.get("proxy") if isinstance(data, dict) else None
    if not isinstance(proxy, dict):
        raise ParseError("`snap get -d multipass proxy` has no proxy object", text)
    return {f"proxy.{k}": mask(str(v)) for k, v in proxy.items() if str(v).strip()}


def parse_launchd_plist(text: str) -> dict[str, str]:
    """multipassd's launchd plist (XML) -> the proxy variables of its EnvironmentVariables.

    Assumed, unconfirmed (multipass-networking-2026.md §6.2): that launchd hands these variables to
    multipassd's `discover_http_proxy()` (the shipped plist sets only PATH; the way is undocumented)."""
    try:
        data = plistlib.loads(text.encode("utf-8"))
    except Exception as exc:  # plistlib raises several types for malformed input
        raise ParseError(f"the launchd plist is not a readable plist ({exc})", text) from exc
    if not isinstance(data, dict):
        raise ParseError("the launchd plist is not a dictionary", text)
    env = data.get("EnvironmentVariables") or {}
    if not isinstance(env, dict):
        raise ParseError("EnvironmentVariables in the launchd plist is not a dictionary", text)
    return proxies_of(env)


def daemon_proxy(env: dict[str, str]) -> str | None:
    """The proxy multipassd uses from its environment: `http_proxy`, then `HTTP_PROXY`, never
    https_proxy (daemon_config.cpp, discover_http_proxy)."""
    return env.get("http_proxy") or env.get("HTTP_PROXY") or None


def port_missing(url: str) -> bool:
    """A proxy URL without a port: Multipass then uses port 65535 (QUrl::port() == -1 cast)."""
    rest = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
    return not re.search(r":\d+$", rest)
