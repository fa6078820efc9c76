"""The fleet picture: hosts x checks from each host's latest run, and since when each failure lasts.

Runs of one host with different `started` times are nights of that host; the latest
gives the host's row. A failure's `since` is the first night of its current streak (the
nights before it, back to one where it was not failing, are the "since it worked").
Pure: from :class:`~mpdiag.fleet.runs.Run` values to a JSON-able document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from mpdiag import catalog
from mpdiag.fleet.runs import Run

FORMAT = 1


def _order(check_id: str) -> tuple:
    return catalog.order(check_id) if check_id in catalog.BY_ID else (9, 0)


def _same(a: Run, b: Run) -> bool:
    return a.started == b.started and {k: c.outcome for k, c in a.checks.items()} == \
        {k: c.outcome for k, c in b.checks.items()}


def nights(runs: Iterable[Run]) -> tuple[dict[str, list[Run]], list[str]]:
    """host -> its runs oldest first (`started`; ties keep the order given). A run equal to
    one already seen (same host, `started` and outcomes: the same report given twice) is
    dropped with a warning."""
    by_host: dict[str, list[Run]] = {}
    warnings = []
    for r in runs:
        seen = by_host.setdefault(r.host, [])
        twin = next((s for s in seen if _same(s, r)), None)
        if twin is not None:
            warnings.append(f"skipping {r.source}: the same run as {twin.source} "
                            f"(host {r.host}, started {r.started})")
            continue
        seen.append(r)
    return {h: sorted(v, key=_when) for h, v in sorted(by_host.items())}, warnings


def _when(run: Run) -> tuple:
    """Sort key of a run's `started`: its UTC time when it parses, else the text after those."""
    try:
        t = dt.datetime.fromisoformat(run.started)
    except ValueError:
        return (1, 0.0, run.started)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return (0, t.timestamp(), run.started)


def streak(history: list[Run], check_id: str) -> dict[str, Any] | None:
    """When the latest night's failure of a check started: {since, nights, last_ok} or None
    when it does not fail on the latest night. `last_ok` is the latest earlier night on which
    it ran and did not fail (None when it failed on every night with data)."""
    latest = history[-1].checks.get(check_id)
    if latest is None or not latest.failing:
        return None
    since = history[-1].started
    count = 0
    last_ok = None
    for run in reversed(history):
        c = run.checks.get(check_id)
        if c is None or c.outcome == "skipped":
            continue  # no verdict that night: the streak neither ends nor grows
        if c.failing:
            since, count = run.started, count + 1
        else:
            last_ok = {"started": run.started, "outcome": c.outcome}
            break
    return {"since": since, "nights": count, "last_ok": last_ok}


def summarize(runs: Iterable[Run], warnings: Iterable[str] = ()) -> dict[str, Any]:
    """The fleet document (OUT/fleet.json): hosts, the check matrix, worst checks first."""
    by_host, dup = nights(runs)
    latest = {h: rs[-1] for h, rs in by_host.items()}
    ids = sorted({cid for r in latest.values() for cid in r.checks}, key=_order)
    rows = []
    for cid in ids:
        outcomes, muted, since = {}, [], {}
        for h, r in latest.items():
            c = r.checks.get(cid)
            outcomes[h] = c.outcome if c else None
            if c and c.muted:
                muted.append(h)
            s = streak(by_host[h], cid)
            if s:
                since[h] = s
        spec = catalog.BY_ID.get(cid)
        any_check = next(r.checks[cid] for r in latest.values() if cid in r.checks)
        rows.append({
            "id": cid,
            "title": spec.title if spec else any_check.title,
            "problem_class": spec.problem_class if spec else any_check.problem_class,
            "outcomes": outcomes,
            "failing_hosts": sorted(since),
            "error_hosts": sorted(h for h, o in outcomes.items() if o == "error" and h not in muted),
            "muted_hosts": sorted(muted),
            "since": since,
        })
    rows.sort(key=lambda r: (-len(r["failing_hosts"]), -len(r["error_hosts"]), _order(r["id"])))
    hosts = []
    for h, r in latest.items():
        counts: dict[str, int] = {}
        for c in r.checks.values():
            key = "muted" if c.muted and c.outcome in ("failed", "error") else c.outcome
            counts[key] = counts.get(key, 0) + 1
        hosts.append({
            "host": h, "platform": r.platform, "mode": r.mode, "started": r.started, "source": r.source,
            "nights": [x.started for x in by_host[h]], "counts": dict(sorted(counts.items())),
            "triage": r.triage, "environment": r.environment, "changes": r.changes,
        })
    return {
        "format": FORMAT,
        "hosts": hosts,
        "checks": rows,
        "failing": [r["id"] for r in rows if r["failing_hosts"]],
        "warnings": [*warnings, *dup],
    }
