"""Wall time of a full in-instance diagnosis against the network lab, per lab scenario.

    sudo python benchmarks/bench_lab.py [--layout linux|macos|both] [--repeat N]

Prints, per scenario, the wall time of `python -m pytest tests_instance ...` run inside mp-host
with the lab's `multipass` stand-in (lab setup and fault injection excluded), the slowest
check, and the lab's own up/heal/down times. Targets on the project's 2-core CI machine:
healthy < 8 s, every fault < 15 s, black-hole < 20 s. Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selftests.test_lab_e2e import BY_LAYOUT, LAB_STATE, _unavailable, run_doctor  # noqa: E402


def bench(layout: str, repeat: int) -> bool:
    from lab import Lab

    lab = Lab(LAB_STATE)
    t0 = time.monotonic()
    lab.up(layout, ["primary", "second"])
    up_s = time.monotonic() - t0
    ok = True
    heal_times: list[float] = []
    print(f"\n== layout {layout}: lab up {up_s:.2f} s")
    print(f"{'scenario':18} {'median s':>9} {'max s':>7} {'target':>7}  {'failing checks':44} slowest check")
    try:
        for case in BY_LAYOUT[layout]:
            times: list[float] = []
            failing: set[str] = set()
            slowest = ("", 0.0)
            for i in range(repeat):
                t = time.monotonic()
                lab.heal()
                heal_times.append(time.monotonic() - t)
                if case.fault:
                    lab.fault(case.fault)
                with tempfile.TemporaryDirectory() as tmp:
                    diag, _, took = run_doctor(lab, Path(tmp), *case.args)
                times.append(took)
                failing = {c["id"] for c in diag["checks"] if c["outcome"] == "failed"}
                worst = max(diag["checks"], key=lambda c: c.get("duration_s", 0))
                if worst["duration_s"] > slowest[1]:
                    slowest = (worst["id"], worst["duration_s"])
            lab.heal()
            worst_time = max(times)
            met = worst_time < case.budget_s
            ok &= met
            names = ", ".join(sorted(c.removeprefix("instance.") for c in failing)) or "-"
            print(f"{case.name:18} {statistics.median(times):9.2f} {worst_time:7.2f} {case.budget_s:6.0f}{'' if met else '!'}"
                  f"  {names[:44]:44} {slowest[0].removeprefix('instance.')} {slowest[1]:.2f} s")
    finally:
        t0 = time.monotonic()
        lab.down()
        down_s = time.monotonic() - t0
    print(f"lab heal: median {statistics.median(heal_times):.2f} s, max {max(heal_times):.2f} s; lab down {down_s:.2f} s")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layout", choices=("linux", "macos", "both"), default="both")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    reason = _unavailable()
    if reason:
        print(f"cannot run the lab here: {reason}", file=sys.stderr)
        return 2
    layouts = ("linux", "macos") if args.layout == "both" else (args.layout,)
    ok = all([bench(layout, max(1, args.repeat)) for layout in layouts])
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED (marked !)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
