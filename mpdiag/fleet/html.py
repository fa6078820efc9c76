"""OUT/fleet.html: one self-contained page (no script, no outside resource) from the fleet document.

Sections: the hosts (each host's triage and counts), the host x check matrix with the
checks failing on the most hosts first, and when each failure started. Every value is
escaped: host labels and messages come from other machines' reports.
"""

from __future__ import annotations

import html
from typing import Any

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.o-failed{background:#f8d0d0}td.o-error{background:#f5e0b0}td.o-warned{background:#fff3c0}
td.o-passed{background:#d8f0d8}td.o-skipped,td.o-none{color:#888}
code{font-size:90%}
"""
SHORT = {"passed": "pass", "failed": "FAIL", "error": "error", "skipped": "skip", "warned": "warn", None: "-"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _hosts(doc: dict) -> str:
    rows = []
    for h in doc["hosts"]:
        t = h.get("triage") or {}
        counts = ", ".join(f"{n} {k}" for k, n in h["counts"].items())
        if t:
            triage = (f"<strong>{_e(t.get('problem_class'))} problem</strong>: {_e(', '.join(t.get('failing') or []))}"
                      f"<br>first step ({_e(t.get('check'))}): <code>{_e(t.get('first_step'))}</code>")
        else:
            triage = "no problem found"
        changes = ""
        if h.get("changes"):
            changes = "<br>changed since the compared bundle: " + _e("; ".join(
                str(c.get("summary") or c.get("fact")) for c in h["changes"]))
        env = h.get("environment") or {}
        rows.append(f"<tr><td><strong>{_e(h['host'])}</strong></td><td>{_e(h['platform'])}</td>"
                    f"<td>{_e(env.get('os'))}<br>Multipass {_e(env.get('multipass'))}</td>"
                    f"<td>{_e(h['started'])}<br>{len(h['nights'])} night(s)</td><td>{_e(counts)}</td>"
                    f"<td>{triage}{changes}</td></tr>")
    return ("<h2>Hosts</h2><table><tr><th>Host</th><th>Platform</th><th>OS</th><th>Latest run</th>"
            "<th>Outcomes</th><th>Triage</th></tr>" + "".join(rows) + "</table>")


def _matrix(doc: dict) -> str:
    hosts = [h["host"] for h in doc["hosts"]]
    head = "".join(f"<th>{_e(h)}</th>" for h in hosts)
    rows = []
    for c in doc["checks"]:
        cells = []
        for h in hosts:
            o = c["outcomes"].get(h)
            muted = " (muted)" if h in c["muted_hosts"] else ""
            since = c["since"].get(h)
            tip = f' title="failing since {_e(since["since"])}"' if since else ""
            cells.append(f'<td class="o-{_e(o or "none")}"{tip}>{_e(SHORT.get(o, o))}{muted}</td>')
        n = len(c["failing_hosts"])
        rows.append(f"<tr><td><code>{_e(c['id'])}</code><br>{_e(c['title'])}</td><td>{_e(c['problem_class'])}</td>"
                    f"<td>{n}</td>{''.join(cells)}</tr>")
    return ("<h2>Checks by host</h2><p>Checks failing on the most hosts first.</p><table><tr><th>Check</th>"
            f"<th>Class</th><th>Failing on</th>{head}</tr>" + "".join(rows) + "</table>")


def _since(doc: dict) -> str:
    rows = []
    for c in doc["checks"]:
        for h, s in sorted(c["since"].items()):
            ok = s.get("last_ok")
            before = (f"last {_e(ok['outcome'])} {_e(ok['started'])}" if ok
                      else "failing on every night with data")
            rows.append(f"<tr><td><code>{_e(c['id'])}</code></td><td>{_e(h)}</td><td>{_e(s['since'])}</td>"
                        f"<td>{_e(s['nights'])}</td><td>{before}</td></tr>")
    if not rows:
        return "<h2>Failures over time</h2><p>No check fails on any host's latest run.</p>"
    return ("<h2>Failures over time</h2><table><tr><th>Check</th><th>Host</th><th>Failing since</th>"
            "<th>Nights failing</th><th>Before</th></tr>" + "".join(rows) + "</table>")


def render(doc: dict) -> str:
    """The fleet page."""
    n_hosts = len(doc["hosts"])
    failing = len(doc["failing"])
    warn = ""
    if doc.get("warnings"):
        warn = "<h2>Skipped reports</h2><ul>" + "".join(f"<li>{_e(w)}</li>" for w in doc["warnings"]) + "</ul>"
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Multipass network doctor: fleet</title>"
            f"<style>{STYLE}</style></head><body><h1>Multipass network doctor: fleet</h1>"
            f"<p>{n_hosts} host(s); {failing} check(s) failing somewhere.</p>"
            + _hosts(doc) + _matrix(doc) + _since(doc) + warn + "</body></html>\n")
