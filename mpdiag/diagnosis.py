"""`reports/diagnosis.json` and the triage: the problem class to look at first, and why.

Pure: built from the check records the pytest side collects.
"""

from __future__ import annotations

from typing import Any, Iterable

from mpdiag import catalog

FORMAT = 1
PROBLEM = ("failed",)


def triage(checks: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The earliest problem class (generic, routing, dns, arp) with a failure, its first failing
    check in the guide's order, and that check's first step. None when nothing failed."""
    failing = sorted((c for c in checks if c["outcome"] in PROBLEM and not c.get("muted")),
                     key=lambda c: catalog.order(c["id"]))
    if not failing:
        return None
    first = failing[0]
    remedy = first.get("remedy") or {}
    step = remedy.get("commands", [None])[0] if remedy.get("commands") else remedy.get("title")
    return {
        "problem_class": first["problem_class"],
        "check": first["id"],
        "first_step": step or remedy.get("title") or "",
        "failing": [c["id"] for c in failing],
        "doc": remedy.get("doc"),
    }


def build(checks: list[dict[str, Any]], *, platform: str, mode: str, started: str, duration_s: float,
          environment: dict[str, Any], host: str | None = None) -> dict[str, Any]:
    """The diagnosis document, checks in the guide's order (unknown IDs last); `host` is the
    run's host label (a fleet summary merges runs by it)."""
    ordered = sorted(checks, key=lambda c: catalog.order(c["id"]) if c["id"] in catalog.BY_ID else (9, 0))
    return {
        "format": FORMAT,
        "host": host,
        "platform": platform,
        "mode": mode,
        "started": started,
        "duration_s": round(duration_s, 3),
        "environment": environment,
        "checks": ordered,
        "triage": triage(ordered),
    }


def muted(checks: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Muted checks that failed or errored: shown as muted, ignored by the triage and the exit status."""
    return [c for c in checks if c.get("muted") and c["outcome"] in ("failed", "error")]


def tally(doc: dict[str, Any]) -> dict[str, int]:
    """Outcome -> count; muted failures and errors count as `muted`, not as their outcome."""
    counts: dict[str, int] = {}
    for c in doc["checks"]:
        key = "muted" if c.get("muted") and c["outcome"] in ("failed", "error") else c["outcome"]
        counts[key] = counts.get(key, 0) + 1
    return counts


def summary_lines(doc: dict[str, Any]) -> list[str]:
    """The terminal triage block (also the HTML report's summary)."""
    t = doc["triage"]
    counts = tally(doc)
    text = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    quiet = muted(doc["checks"])
    tail = ["  muted (not counted): " + ", ".join(f"{c['id']} ({c['outcome']})" for c in quiet)] if quiet else []
    if t is None:
        errors = sum(1 for c in doc["checks"] if c["outcome"] == "error" and not c.get("muted"))
        head = "no problem found" if not errors else f"no problem found, but {errors} check(s) could not run"
        return [f"Multipass network doctor: {head} ({text})", *tail]
    lines = [f"Multipass network doctor: {t['problem_class']} problem ({text})",
             "  failing, in the guide's order: " + ", ".join(t["failing"]),
             f"  first step ({t['check']}): {t['first_step']}"]
    if t.get("doc"):
        lines.append(f"  guide: {t['doc']}")
    return lines + tail
