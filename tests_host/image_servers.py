"""The image-server check every platform shares: `multipass find --format json` answers, and
the proxy the daemon really reads is reported; a proxy set only where the daemon does not
look is the finding (the platform's test file says where the daemon looks)."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.checks import Check, CheckError
from mpdiag.host.rules.proxy import ProxyView, daemon_summary, misplaced

DAEMON_DOWN = "cannot connect to the multipass socket"


def optional(check: Check, probe: str) -> Any:
    """A probe's value, or None when it is not there (not recorded, needs root, failed)."""
    try:
        return check.probe(probe)
    except (CheckError, pytest.skip.Exception):
        return None


def _find_problem(check: Check) -> str | None:
    failed = check.failure("multipass_find")
    if failed is not None and failed.timed_out:
        return f"`multipass find --format json` did not answer within {check.probe_timeout:g} s"
    if failed is not None:
        said = " ".join(failed.said.split())
        if DAEMON_DOWN in said:
            check.skip(f"prerequisite {check.platform}.multipass.daemon failed: {said}")
        return f"`multipass find --format json` failed (exit {failed.rc}): {said[:600].rstrip('.')}"
    reply = check.probe("multipass_find")
    if not reply.images:
        errors = "; ".join(reply.errors)
        return "`multipass find --format json` lists no images" + (f" ({errors})" if errors else "")
    return None


def judge(check: Check, view: ProxyView) -> None:
    problem = _find_problem(check)
    notes = misplaced(view)
    summary = daemon_summary(view)
    note = "; ".join(notes)
    facts = {"proxy_note": (note[0].upper() + note[1:] + ".") if note else ""}
    if problem:
        check.fail(f"{problem}; {summary}" + (f"; {note}" if note else ""), **facts)
    if notes:
        check.warn(f"the image servers answer, but {summary}; {note}", **facts)
