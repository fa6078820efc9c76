"""reports/issue.md: a ready-to-paste bug report for Multipass (canonical/multipass).

Pure: from the (redacted) diagnosis record: a title, the versions and driver, what fails
(each failing check and its finding), the triage, the upstream issue a failing check's
remedy points at, and the daemon log's last lines when the daemon is down.
"""

from __future__ import annotations

from typing import Any

from mpdiag import known_issues as known
from mpdiag.report import verdict

ISSUES = "github.com/canonical/multipass/issues/"
LOG_PROBES = ("multipassd_log", "multipassd_journal", "multipass_events")
LOG_LINES = 20


def _fence(text: str) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks}\n{text.rstrip()}\n{ticks}"


def _daemon_down(doc: dict[str, Any]) -> bool:
    return any(c.get("id", "").endswith(".multipass.daemon") and c.get("outcome") == "failed"
               for c in doc.get("checks") or ())


def _log_tail(doc: dict[str, Any]) -> str | None:
    for c in doc.get("checks") or ():
        for p in c.get("probes") or ():
            if p.get("name") in LOG_PROBES and (p.get("output") or "").strip():
                return "\n".join(p["output"].rstrip().splitlines()[-LOG_LINES:])
    return None


def known_issues(doc: dict[str, Any]) -> list[str]:
    """Upstream issues the failing checks' remedies name."""
    found: list[str] = []
    for c in doc.get("checks") or ():
        r = c.get("remedy") or {}
        if c.get("outcome") != "failed" or c.get("muted"):
            continue
        for word in f"{r.get('doc') or ''} {r.get('text') or ''}".split():
            word = word.strip("().,;")
            if ISSUES in word and word not in found:
                found.append(word)
    return found


def render(doc: dict[str, Any]) -> str:
    env = doc.get("environment") or {}
    head = verdict.headline(doc)
    failing = [c for c in doc.get("checks") or () if c.get("outcome") in ("failed", "error") and not c.get("muted")]
    lines = [f"# {head['title']}", "",
             "_Written by the Multipass network doctor"
             + (" (redacted: " + doc["redaction"] + ")" if doc.get("redaction") else "") + f"; run {doc.get('run_id')}._",
             "", "## Environment", "",
             *([f"- Host: {doc['host']}"] if doc.get("host") else []),  # which of a fleet's hosts
             f"- OS: {env.get('os') or doc.get('platform') or 'unknown'}",
             f"- Multipass: {env.get('multipass') or 'unknown'}; multipassd: {env.get('multipassd') or 'unknown'}",
             f"- Driver: {env.get('driver') or 'unknown'}",
             f"- Subnet: {env.get('subnet') or 'unknown'}; bridge: {env.get('bridge') or 'unknown'}",
             f"- Diagnosed: {'live' if doc.get('mode') == 'live' else 'from a recorded bundle'}, {doc.get('started')}",
             "", "## What fails", ""]
    if not failing:
        lines.append("No check failed." if head["state"] != "empty" else "No check could reach a verdict.")
    for c in failing:
        lines += [f"- **{c.get('id')}** ({c.get('problem_class')}, {c.get('outcome')}): {c.get('title') or ''}", "",
                  _fence(verdict.finding(c)), ""]
    t = doc.get("triage")
    lines += ["## Triage", ""]
    if t:
        lines += [f"- Problem class: {t['problem_class']} (the guide's order: generic, routing, dns, arp)",
                  f"- Failing, in the guide's order: {', '.join(t.get('failing') or ())}",
                  f"- First step ({t['check']}): `{t.get('first_step')}`"]
        if t.get("doc"):
            lines.append(f"- Guide: {t['doc']}")
    else:
        lines.append("- " + head["title"])
    matched = doc.get("known_issues") or []
    issues = [i for i in known_issues(doc) if not any(i.rstrip("/").endswith(f"/{k['issue']}") for k in matched)]
    if issues or matched:
        lines += ["", "## Known upstream issue", ""] + [f"- {known.line(k)}" for k in matched]
        lines += [f"- https://{i.split('://', 1)[-1]}" for i in issues]
    tail = _log_tail(doc) if _daemon_down(doc) else None
    if tail:
        lines += ["", f"## multipassd's log (last {LOG_LINES} lines)", "", _fence(tail)]
    return "\n".join(lines) + "\n"
