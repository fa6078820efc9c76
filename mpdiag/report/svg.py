"""The path picture: an inline SVG of the hops (mpdiag/report/path.py), each coloured by
the checks that test it and labelled with its real names and addresses. No script, no
external reference: it renders offline anywhere."""

from __future__ import annotations

from html import escape

from mpdiag.report.path import Hop

W, H = 1160, 330
BOX_W, BOX_H, SVC_W, SVC_H = 200, 104, 200, 84
LAYOUT = {  # hop -> (x, y, w, h)
    "daemon": (20, 8, BOX_W + 40, 70),
    "instance": (20, 118, BOX_W, BOX_H), "bridge": (255, 118, BOX_W, BOX_H), "routing": (490, 118, BOX_W, BOX_H),
    "uplink": (725, 118, BOX_W, BOX_H), "internet": (960, 118, BOX_W - 20, BOX_H),
    "dhcp": (150, 240, SVC_W, SVC_H), "dns": (375, 240, SVC_W, SVC_H),
}
CHAIN = ("instance", "bridge", "routing", "uplink", "internet")
COLOURS = {  # state -> (stroke, fill, word)
    "failed": ("#c4320a", "#fdeae6", "failed"),
    "error": ("#b54708", "#fef3d7", "could not run"),
    "passed": ("#12805c", "#e7f5ee", "passed"),
    "untested": ("#8a94a6", "#f3f4f6", "not tested"),
}


def _clip(text: str, width: int, px: float = 7.4) -> str:
    n = max(6, int((width - 18) / px))
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _status(h: Hop) -> str:
    state = h.state
    if state == "failed":
        ids = h.failing()
        return f"\u2717 {'.'.join(ids[0].split('.')[-2:])}" + (f" +{len(ids) - 1}" if len(ids) > 1 else "")
    if state == "error":
        return "! could not run"
    if state == "passed":
        n = sum(1 for c in h.checks if c.get("outcome") in ("passed", "warned"))
        return f"\u2713 {n} check{'s' if n != 1 else ''} passed" + (", warned" if h.warned else "")
    return "not tested"


def _box(h: Hop) -> str:
    x, y, w, hh = LAYOUT[h.key]
    stroke, fill, word = COLOURS[h.state]
    dash = ' stroke-dasharray="6 4"' if h.state == "untested" else ""
    width = 3.5 if h.state == "failed" else 1.6
    tip = f"{h.title}: {word}\n" + "\n".join(f"{c.get('id')}: {c.get('outcome')}" for c in h.checks)
    lines = [f'<text x="{x + 10}" y="{y + 22}" class="t">{escape(_clip(h.title, w, 8.4))}</text>']
    for i, label in enumerate(h.labels[: (1 if hh < 80 else 2 if hh < 90 else 3)]):
        lines.append(f'<text x="{x + 10}" y="{y + 41 + 17 * i}" class="l">{escape(_clip(label, w))}</text>')
    lines.append(f'<text x="{x + 10}" y="{y + hh - 9}" class="s" fill="{stroke}">{escape(_clip(_status(h), w))}</text>')
    return (f'<g class="hop hop-{h.state}" data-hop="{h.key}" data-state="{h.state}">'
            f"<title>{escape(tip)}</title>"
            f'<rect x="{x}" y="{y}" width="{w}" height="{hh}" rx="10" fill="{fill}" stroke="{stroke}"'
            f' stroke-width="{width}"{dash}/>' + "".join(lines) + "</g>")


def _arrow(a: str, b: str) -> str:
    ax, ay, aw, ah = LAYOUT[a]
    bx, by, _, _ = LAYOUT[b]
    y = ay + ah / 2
    return f'<line x1="{ax + aw}" y1="{y}" x2="{bx - 4}" y2="{y}" class="e" marker-end="url(#arr)"/>'


def _drop(to: str) -> str:
    bx, by, bw, bh = LAYOUT["bridge"]
    x, y, w, _ = LAYOUT[to]
    return f'<line x1="{bx + bw / 2}" y1="{by + bh}" x2="{x + w / 2}" y2="{y}" class="e"/>'


def render(hops: list[Hop]) -> str:
    """The SVG element (scales to its container's width)."""
    by_key = {h.key: h for h in hops}
    parts = [_arrow(a, b) for a, b in zip(CHAIN, CHAIN[1:])]
    parts += [_drop("dhcp"), _drop("dns")]
    ix, iy, iw, _ = LAYOUT["instance"]
    dx, dy, dw, dh = LAYOUT["daemon"]
    parts.append(f'<line x1="{dx + dw / 2}" y1="{dy + dh}" x2="{ix + iw / 2}" y2="{iy}" class="e c"/>')
    parts += [_box(by_key[k]) for k in LAYOUT if k in by_key]
    legend = "".join(
        f'<rect x="{640 + 130 * i}" y="{270}" width="14" height="14" rx="3" fill="{f}" stroke="{s}"/>'
        f'<text x="{660 + 130 * i}" y="{282}" class="l">{w}</text>'
        for i, (s, f, w) in enumerate(COLOURS.values()))
    summary = "; ".join(f"{h.title}: {COLOURS[h.state][2]}" for h in hops)
    return (f'<svg class="path" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(summary)}"'
            ' xmlns="http://www.w3.org/2000/svg">'
            '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"'
            ' orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667085"/></marker></defs>'
            "<style>.t{font:600 15px system-ui,sans-serif;fill:#101828}.l{font:13px system-ui,sans-serif;"
            "fill:#344054}.s{font:600 12.5px system-ui,sans-serif}.e{stroke:#667085;stroke-width:2}"
            ".c{stroke-dasharray:4 4}</style>" + "".join(parts) + legend + "</svg>")
