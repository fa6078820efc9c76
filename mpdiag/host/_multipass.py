"""The model's Multipass facts, the same on every platform: the listing, the instances, the OS."""

from __future__ import annotations

import platform as pyplatform
from dataclasses import dataclass, field
from typing import Any

from mpdiag.errors import CliFailed, DiagError
from mpdiag.parse.multipass import Instance


class NotApplicable(DiagError):
    """A fact that does not exist on this host (another driver, no daemon, no instance): the
    checks that need it skip with this reason."""


@dataclass(frozen=True)
class Listing:
    """`multipass list`: the instances, or (`failure`) the daemon's own words when it failed."""

    instances: list[Instance] = field(default_factory=list)
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None


def listing(session: Any) -> Listing:
    """`multipass list` as a finding: a timeout, `list failed: IP not available`, a daemon
    error are the daemon's words; output that does not parse raises ParseError."""
    try:
        found = session.get("multipass_list")
    except CliFailed as exc:
        if exc.timed_out:
            return Listing(failure=f"`multipass list` timed out after {session.timeout:g} s")
        words = " ".join(exc.words.split())[:500] or "no message"
        return Listing(failure=f"`multipass list` failed (exit {exc.rc}): {words}")
    return Listing(list(found))


def instances(session: Any) -> list[Instance]:
    """Every instance `multipass list` shows; NotApplicable while multipassd does not answer or
    the list itself failed (instance.state.listed reports that, with the daemon's words)."""
    if session.get("multipass_version").daemon is None:
        raise NotApplicable("multipassd does not answer, so the instances are unknown "
                            f"(see {session.platform}.multipass.daemon)")
    found = listing(session)
    if not found.ok:
        raise NotApplicable(f"{found.failure}, so the instances are unknown (see instance.state.listed)")
    return found.instances


def os_version(session: Any) -> str | None:
    """The OS and version: sw_vers on macOS, this host live, the bundle's manifest in replay."""
    if session.platform == "macos":
        try:
            v = session.get("sw_vers")
            return f"{v.product_name} {v.version}"
        except DiagError:
            pass
    if session.mode == "live":
        return f"{pyplatform.system()} {pyplatform.release()}"
    source = session.source
    bundle = getattr(source, "bundle", None) or getattr(getattr(source, "inner", None), "bundle", None)
    return bundle.manifest.os_version if bundle is not None else None


def driver_or_none(session: Any) -> str | None:
    """`multipass get local.driver`, None when it cannot be read (daemon down, not recorded)."""
    try:
        return session.get("multipass_driver")
    except DiagError:
        return None
