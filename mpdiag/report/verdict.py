"""The headline: the diagnosis in plain words, and what to do now.

From the triage and the failing check's finding (its message up to the remedy), so the
words carry the real names and addresses the check found.
"""

from __future__ import annotations

import re
from typing import Any

CLASS_WORDS = {
    "generic": "Network setup problem",
    "routing": "Routing problem",
    "dns": "DNS problem",
    "arp": "ARP problem",
}
CLASS_SHORT = {"generic": "Generic networking", "routing": "Routing", "dns": "DNS", "arp": "ARP"}
MAX_FINDING = 120
MAX_DETAIL = 320


def finding(check: dict[str, Any]) -> str:
    """What a check found, in one paragraph: its message without the ID and the remedy."""
    text = (check.get("message") or "").split("\nRemedy: ", 1)[0].strip()
    cid = check.get("id") or ""
    for prefix in (f"{cid}: ", f"{cid} "):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    return re.sub(r"\s+", " ", text).strip()


def _first_clause(text: str) -> str:
    """The finding's first clause (up to `; ` or a sentence end), bounded in length."""
    head = re.split(r"; |\. (?=[A-Z])", text, maxsplit=1)[0].rstrip(".")
    if len(head) > MAX_FINDING:
        head = head[:MAX_FINDING].rsplit(" ", 1)[0] + "..."
    return head


def _check(doc: dict[str, Any], check_id: str | None) -> dict[str, Any] | None:
    return next((c for c in doc.get("checks") or () if c.get("id") == check_id), None)


def headline(doc: dict[str, Any]) -> dict[str, Any]:
    """`{"state", "title", "detail", "check", "class"}`: state is `problem`, `could-not-run`
    (errors only), `clean`, or `empty` (no check ran)."""
    checks = doc.get("checks") or []
    t = doc.get("triage")
    if t:
        first = _check(doc, t.get("check")) or {}
        found = finding(first)
        warned = [c for c in checks if c.get("outcome") == "warned" and c.get("problem_class") == t["problem_class"]]
        hint = _first_clause(finding(warned[0])) if warned else ""
        head = _first_clause(found)
        rest = found if head.endswith("...") else found[len(head):].lstrip(".; ")
        if hint and hint[:40] in found:
            hint = ""
        detail = " ".join(x for x in (rest, hint) if x)
        return {"state": "problem", "class": t["problem_class"], "check": t.get("check"),
                "title": f"{CLASS_WORDS.get(t['problem_class'], 'Problem')}: {head or first.get('title', '')}",
                "detail": detail if len(detail) <= MAX_DETAIL else detail[:MAX_DETAIL].rsplit(" ", 1)[0] + "..."}
    errors = [c for c in checks if c.get("outcome") == "error" and not c.get("muted")]
    if errors:
        return {"state": "could-not-run", "class": errors[0].get("problem_class"), "check": errors[0].get("id"),
                "title": f"No problem found, but {len(errors)} check(s) could not run",
                "detail": _first_clause(finding(errors[0]))}
    ran = [c for c in checks if c.get("outcome") in ("passed", "warned", "failed")]
    if not ran:
        return {"state": "empty", "class": None, "check": None, "title": "No check could reach a verdict",
                "detail": "every check was skipped: see the reasons below"}
    return {"state": "clean", "class": None, "check": None,
            "title": f"No networking problem found: {len(ran)} check(s) passed", "detail": ""}


def next_steps(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The first remedy: its title, text, commands and guide link (None when nothing failed)."""
    t = doc.get("triage")
    first = _check(doc, t.get("check")) if t else None
    r = (first or {}).get("remedy")
    if not r:
        return None
    return {"check": first["id"], "title": r.get("title") or "", "text": r.get("text") or "",
            "commands": list(r.get("commands") or ()), "doc": r.get("doc")}
