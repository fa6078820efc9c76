"""report.html: the doctor's own page, one self-contained file, top to bottom: the verdict
in plain words, what to do now (the first remedy's commands, copyable), the path picture,
the guide's decision tree with the branch taken, the checks grouped by problem class (in
the guide's order, filterable), the environment.

Pure: `render(doc)` takes the diagnosis record (already redacted by the caller). A new
section is one function `(doc) -> str` added to `SECTIONS`.
"""

from __future__ import annotations

from html import escape
from typing import Any, Callable

from mpdiag import catalog, known_issues as known
from mpdiag.report import assets, path, svg, verdict

TITLE = "Multipass network doctor"
OUTCOMES = ("failed", "error", "warned", "passed", "skipped")
GROUPS = {
    "generic": "Generic networking problems (launch fails, no IP)",
    "routing": "Routing problems (shell fails)",
    "dns": "DNS problems (shell works, no internet)",
    "arp": "ARP problems (extra IPs unreachable)",
}
QUESTIONS = {
    "generic": "Does the instance launch and get an address?",
    "routing": "Does `multipass shell` reach it?",
    "dns": "Does the instance reach the internet and resolve names?",
    "arp": "Do the instance's extra addresses answer?",
}
PLATFORM_NAMES = {"macos": "macOS", "windows": "Windows", "linux": "Linux"}


def e(value: Any) -> str:
    return escape("" if value is None else str(value))


def header(doc: dict[str, Any]) -> str:
    env = doc.get("environment") or {}
    bits = [env.get("host") or doc.get("host"), env.get("os") or PLATFORM_NAMES.get(doc.get("platform") or "", doc.get("platform")),
            f"Multipass {env['multipass']}" if env.get("multipass") else None,
            f"driver {env['driver']}" if env.get("driver") else None,
            "replay of a recorded bundle" if doc.get("mode") == "replay" else "live",
            doc.get("started")]
    out = f'<p class="meta">{TITLE} &middot; ' + " &middot; ".join(e(b) for b in bits if b) + "</p>"
    if env.get("replayed_on"):
        out += f'<p class="replayed">replayed on {e(env["replayed_on"])} (this is not the diagnosed host)</p>'
    return out


def verdict_section(doc: dict[str, Any]) -> str:
    h = verdict.headline(doc)
    detail = f"<p>{e(h['detail'])}</p>" if h.get("detail") else ""
    return f'<section class="verdict {e(h["state"])}" id="verdict"><h1>{e(h["title"])}</h1>{detail}</section>'


def todo(doc: dict[str, Any]) -> str:
    n = verdict.next_steps(doc)
    if n is None:
        return ""
    cmds = "".join(f'<div class="cmd"><pre><code>{e(c)}</code></pre><button class="copy" type="button">Copy'
                   "</button></div>" for c in n["commands"])
    doc_link = f' <a href="{e(n["doc"])}">The guide</a>' if n.get("doc") else ""
    return (f'<section class="todo" id="todo"><h2>What to do now: {e(n["title"])}</h2>'
            f'<p>{e(n["text"])}{doc_link}</p>{cmds}</section>')


def known_section(doc: dict[str, Any]) -> str:
    """The known upstream bugs this run matches (mpdiag/known_issues.py): issue, fixing release."""
    found = doc.get("known_issues") or []
    if not found:
        return ""
    items = "".join(f'<li><a href="{e(k["url"])}">canonical/multipass#{e(k["issue"])}</a> '
                    f'({e("fixed in Multipass " + k["fixed_in"] if k.get("fixed_in") else k.get("status"))}): '
                    f'{e(k["title"])}. {e(k.get("what_to_do"))}.</li>' for k in found)
    return (f'<section class="known" id="known-issues"><h2>Known upstream issue</h2><p>Your OS, Multipass '
            f'version, driver and failing checks match:</p><ul>{items}</ul></section>')


def path_section(doc: dict[str, Any]) -> str:
    hops = path.build(doc)
    broken = [f"{h.title} ({', '.join(h.failing())})" for h in hops if h.state == "failed"]
    caption = (f'<p class="note" id="path-failing">Failing: {e("; ".join(broken))}</p>' if broken
               else '<p class="note">No hop failed.</p>')
    return f'<section id="path"><h2>Where it breaks</h2>{svg.render(hops)}{caption}</section>'


def tree(doc: dict[str, Any]) -> str:
    taken = (doc.get("triage") or {}).get("problem_class")
    items = []
    for cls in catalog.PROBLEM_CLASSES:
        mine = [c for c in doc.get("checks") or () if c.get("problem_class") == cls and not c.get("muted")]
        outcomes = {c.get("outcome") for c in mine}
        if cls == taken:
            answer = "No: the problem is here (the branch taken)"
        elif "failed" in outcomes:
            answer = "No, but an earlier branch comes first"
        elif outcomes & {"passed", "warned"}:
            answer = "Yes, as far as the checks tell" + (" (some could not run)" if "error" in outcomes else "")
        elif "error" in outcomes:
            answer = "Unknown: its checks could not run"
        else:
            answer = "Not tested here"
        items.append(f'<li class="{"taken" if cls == taken else ""}" data-class="{cls}">{e(QUESTIONS[cls])} '
                     f'<span class="a">{e(answer)}</span> <span class="note">({e(GROUPS[cls])})</span></li>')
    return f'<section id="tree"><h2>The guide\'s decision tree</h2><ol class="tree">{"".join(items)}</ol></section>'


def changes(doc: dict[str, Any]) -> str:
    """What changed since a bundle that worked (`--compare`), when the run compared."""
    if "changes" not in doc:
        return ""
    rows = "".join(f"<li>{e(c.get('summary'))}</li>" for c in doc.get("changes") or ()) or "<li>no change that matters</li>"
    return (f'<section class="mpdiag-changes" id="changes"><h2>Changed since {e(doc.get("compared_with"))}</h2>'
            f"<ul>{rows}</ul></section>")


def _check(c: dict[str, Any]) -> str:
    outcome = c.get("outcome") or "skipped"
    muted = " (muted: not counted, not in the triage)" if c.get("muted") else ""
    found = verdict.finding(c)
    parts = [f'<article class="check {e(outcome)}" data-outcome="{e(outcome)}" id="check-{e(c.get("id"))}">'
             f'<h4><span class="badge">{e(outcome)}</span>{e(c.get("title"))} <span class="id">{e(c.get("id"))}'
             f"</span>{e(muted)}</h4>"]
    if outcome == "skipped":
        parts.append(f'<p class="note">Skipped: {e(found) or "no reason given"}</p>')
    elif found:
        parts.append(f"<p>{e(found)}</p>")
    r = c.get("remedy")
    if r and outcome in ("failed", "warned"):
        cmds = "".join(f"<pre><code>{e(x)}</code></pre>" for x in r.get("commands") or ())
        parts.append(f'<p><strong>Remedy: {e(r.get("title"))}.</strong> {e(r.get("text"))} '
                     f'<a href="{e(r.get("doc"))}">The guide</a></p>{cmds}')
    for p in c.get("probes") or ():
        where = f" in {p['instance']}" if p.get("instance") else ""
        err = f"<p class=\"note\">stderr</p><pre>{e(p['stderr'])}</pre>" if p.get("stderr") else ""
        parts.append(f"<details><summary>probe {e(p.get('name'))}{e(where)}: <code>{e(' '.join(p.get('argv') or ()))}"
                     f"</code> (exit {e(p.get('rc'))})</summary><pre>{e(p.get('output'))}</pre>{err}</details>")
    return "".join(parts) + "</article>"


def checks(doc: dict[str, Any]) -> str:
    all_checks = doc.get("checks") or []
    counts = {o: sum(1 for c in all_checks if c.get("outcome") == o) for o in OUTCOMES}
    buttons = "".join(f'<button type="button" data-outcome="{o}" aria-pressed="true">{o} ({counts[o]})</button>'
                      for o in OUTCOMES)
    groups = []
    for cls in catalog.PROBLEM_CLASSES:
        mine = [c for c in all_checks if c.get("problem_class") == cls]
        if mine:
            groups.append(f'<div class="group" data-class="{cls}"><h3>{e(GROUPS[cls])}</h3>'
                          + "".join(_check(c) for c in mine) + "</div>")
    nc = doc.get("not_collected")
    note = f'<p class="note" id="not-collected">{e(nc["line"])}</p>' if nc else ""
    return (f'<section id="checks"><h2>Every check, in the guide\'s order</h2>{note}'
            f'<div class="filters" role="group" aria-label="show outcomes">{buttons}</div>{"".join(groups)}</section>')


def environment(doc: dict[str, Any]) -> str:
    env = doc.get("environment") or {}
    insts = ", ".join(f"{i.get('name')} ({i.get('state')}, {i.get('ipv4') or 'no IPv4'})"
                      for i in env.get("instances") or ())
    up = env.get("uplink") or {}
    rows = [("Host", env.get("host") or doc.get("host")), ("OS", env.get("os")), ("Multipass", env.get("multipass")), ("multipassd", env.get("multipassd")),
            ("Driver", env.get("driver")), ("Subnet", env.get("subnet")), ("Bridge", env.get("bridge")),
            ("Gateway", env.get("gateway")), ("Instances", insts or env.get("instance")),
            ("Uplink", f"{up.get('name')} ({up.get('kind')})" if up.get("name") else None),
            ("VPN interfaces", ", ".join(env.get("vpn_interfaces") or ()) or None),
            ("Mode", doc.get("mode")), ("Replayed on", env.get("replayed_on")), ("Run", doc.get("run_id")),
            ("Redacted", doc.get("redaction"))]
    body = "".join(f"<tr><th>{e(k)}</th><td>{e(v) if v is not None else '(unknown)'}</td></tr>" for k, v in rows)
    return f'<section id="environment"><h2>Environment</h2><table>{body}</table></section>'


SECTIONS: list[Callable[[dict[str, Any]], str]] = [header, verdict_section, todo, known_section, path_section, tree,
                                                   changes, checks, environment]


def render(doc: dict[str, Any]) -> str:
    """The whole page."""
    body = "".join(section(doc) for section in SECTIONS)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{assets.CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="mpdiag-run" content="{e(doc.get("run_id"))}">'
            f"<title>{e(verdict.headline(doc)['title'])} - {TITLE}</title><style>{assets.CSS}</style></head>"
            f"<body><main>{body}</main><script>{assets.JS}</script></body></html>\n")
