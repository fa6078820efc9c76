"""Is a doctor run's ending its own verdict? Used by .github/workflows/selftest.yml.

    python .github/check_live_run.py REPORTS_DIR EXIT_STATUS PLATFORM [--replay]

Passes when the run exited 0 or 1 (the doctor's verdicts: 2-5 are pytest's interruptions and
usage errors), wrote REPORTS_DIR/diagnosis.json for PLATFORM in the expected mode, gave every
catalog check of that platform an outcome, and the exit status agrees with the outcomes. On a
machine without Multipass the daemon check must not pass (a hosted CI runner has none).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mpdiag import catalog  # noqa: E402


def problems(reports: Path, rc: int, platform: str, mode: str) -> list[str]:
    found: list[str] = []
    if rc not in (0, 1):
        found.append(f"exit status {rc}: not the doctor's own verdict (0 or 1)")
    path = reports / "diagnosis.json"
    if not path.is_file():
        return found + [f"no {path}"]
    d = json.loads(path.read_text(encoding="utf-8"))
    if d.get("platform") != platform or d.get("mode") != mode:
        found.append(f"diagnosis.json is {d.get('platform')}/{d.get('mode')}, expected {platform}/{mode}")
    outcomes = {c["id"]: c["outcome"] for c in d.get("checks", [])}
    missing = [c.id for c in catalog.CHECKS if c.platform == platform and c.id not in outcomes]
    if missing:
        found.append(f"checks without an outcome: {', '.join(missing)}")
    bad = [i for i, o in outcomes.items() if o in ("failed", "error")]
    if (rc == 1) != bool(bad):
        found.append(f"exit status {rc} but failed/error checks: {bad or 'none'}")
    daemon = f"{platform}.multipass.daemon"
    if mode == "live" and shutil.which("multipass") is None and outcomes.get(daemon) == "passed":
        found.append(f"{daemon} passed on a machine without multipass")
    return found


def main(argv: list[str]) -> int:
    reports, rc, platform = Path(argv[0]), int(argv[1]), argv[2]
    mode = "replay" if "--replay" in argv[3:] else "live"
    found = problems(reports, rc, platform, mode)
    d = reports / "diagnosis.json"
    if d.is_file():
        triage = json.loads(d.read_text(encoding="utf-8")).get("triage")
        print(f"{platform} {mode}: exit {rc}, triage {triage}")
    for p in found:
        print(f"check_live_run: {p}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
