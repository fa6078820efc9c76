"""`python -m mpdiag.fleet DIR... -o OUT`: merge many runs' diagnosis.json into OUT/fleet.{json,html}.

Exit status: 0 written (whatever the hosts' outcomes: the page says them), 2 when no
argument held a readable diagnosis (nothing to summarize). Unusable reports are one
warning line each on stderr, and listed in the summary.
"""

from __future__ import annotations

import argparse
import sys

from mpdiag.fleet import load_runs, summarize, write


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mpdiag.fleet", description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="+", metavar="DIR",
                    help="a run's reports directory (its diagnosis.json), a diagnosis.json, "
                         "or a folder of such directories")
    ap.add_argument("-o", "--out", required=True, metavar="OUT", help="where fleet.json and fleet.html go")
    args = ap.parse_args(argv)
    runs, warnings = load_runs(args.dirs)
    for w in warnings:
        print(f"fleet: {w}", file=sys.stderr)
    if not runs:
        print("fleet: no readable diagnosis.json in " + ", ".join(args.dirs), file=sys.stderr)
        return 2
    doc = summarize(runs, warnings)
    for w in doc["warnings"][len(warnings):]:
        print(f"fleet: {w}", file=sys.stderr)
    try:
        json_path, html_path = write(args.out, doc)
    except OSError as exc:
        print(f"fleet: cannot write into {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    failing = ", ".join(doc["failing"]) or "none"
    print(f"fleet: {len(doc['hosts'])} host(s), {sum(len(h['nights']) for h in doc['hosts'])} run(s); "
          f"failing: {failing}")
    print(f"fleet: {json_path}\nfleet: {html_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
