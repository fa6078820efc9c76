"""The fleet summary: many runs' reports (one per host, or one per night) as one picture.

`python -m mpdiag.fleet DIR... -o OUT` writes OUT/fleet.json and a self-contained
OUT/fleet.html: a host x check matrix from each host's latest run, each host's triage,
the checks failing on the most hosts first, and, given several nights of a host, when
each failure started. Library code (no pytest): runs (reading), summary (merging), html.
"""

from __future__ import annotations

from mpdiag.fleet.html import render
from mpdiag.fleet.runs import Run, RunError, load_runs, read_run
from mpdiag.fleet.summary import summarize

__all__ = ["Run", "RunError", "load_runs", "read_run", "summarize", "render", "write"]


def write(out, doc: dict) -> tuple:
    """Write OUT/fleet.json and OUT/fleet.html atomically (temp file, rename): a reader never
    sees half a summary. Returns their paths."""
    import json
    import os
    import tempfile
    from pathlib import Path

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in (("fleet.json", json.dumps(doc, indent=2) + "\n"), ("fleet.html", render(doc))):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, out / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        paths.append(out / name)
    return tuple(paths)
