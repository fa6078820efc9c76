"""Which proxy multipassd really uses, and proxies set where it does not look (pure).

multipassd reads `http_proxy`, then `HTTP_PROXY`, from its own environment at start
(daemon_config.cpp); on Windows environment names are case-insensitive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mpdiag.parse.proxy import port_missing


@dataclass(frozen=True)
class ProxyView:
    """The daemon's proxy variables (None: could not be read) and where they were read, plus the
    proxy variables of other places (the user's shell, /etc/environment, ...)."""

    daemon: dict[str, str] | None
    daemon_where: str
    elsewhere: dict[str, dict[str, str]] = field(default_factory=dict)
    case_insensitive: bool = False


def used_proxy(view: ProxyView) -> str | None:
    env = view.daemon or {}
    if view.case_insensitive:
        env = {k.lower(): v for k, v in env.items()}
        return env.get("http_proxy") or None
    return env.get("http_proxy") or env.get("HTTP_PROXY") or None


def daemon_summary(view: ProxyView) -> str:
    if view.daemon is None:
        return f"the daemon's proxy could not be read ({view.daemon_where})"
    used = used_proxy(view)
    return (f"the daemon uses http_proxy={used} ({view.daemon_where})" if used else
            f"the daemon uses no proxy ({view.daemon_where} has no http_proxy)")


def misplaced(view: ProxyView) -> list[str]:
    """Findings: a proxy only where the daemon does not look, one it ignores, a URL without port."""
    notes: list[str] = []
    used = used_proxy(view)
    if view.daemon is not None and used is None:
        ignored = {k: v for k, v in view.daemon.items() if k.lower() in ("https_proxy", "all_proxy")}
        if ignored:
            notes.append("the daemon has only " + ", ".join(f"{k}={v}" for k, v in ignored.items()) +
                         ", which it never reads (only http_proxy)")
        for place, env in view.elsewhere.items():
            if env:
                notes.append(f"a proxy is set in {place} (" + ", ".join(f"{k}={v}" for k, v in sorted(env.items()))
                             + "), where the daemon does not look")
    if used and port_missing(used):
        notes.append(f"{used} has no port: Multipass then connects to port 65535")
    return notes
