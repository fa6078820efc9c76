"""Linux host benchmark: a full live diagnosis of the lab's Linux host, and the replay
of scenarios/linux/healthy.

    sudo python benchmarks/bench_linux.py [--runs 5] [--no-live] [--full]

Live: the linux lab is brought up once (not timed), then the real suite runs inside
`mp-host` (`ip netns exec mp-host ... python -m pytest -m "linux and host"`, `--full`:
`-m linux`, the instance checks too) `--runs` times; the wall time of each run is
measured, lab setup excluded. Target: median under 5 s. The lab is always torn down.
Replay: `pytest --replay scenarios/linux/healthy` `--runs` times (target: under 2 s,
each probe run once). Needs root for the live part (skipped otherwise, with the reason).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_replay import replay_runs  # noqa: E402


def live(runs: int, marker: str) -> list[float] | str:
    if os.geteuid() != 0:
        return "needs root (the lab)"
    from lab import Lab
    from lab.testing import unavailable_reason
    from selftests.test_lab_linux import NO_JOURNAL, lab_in_use, run_suite_in

    why = unavailable_reason()
    if why:
        return why
    lab = Lab()
    busy = lab_in_use(lab)
    if busy:
        return busy
    lab.up("linux", ["primary", "second"])   # a failed up tears down only what it built
    try:
        times = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                r = run_suite_in(lab, "-m", marker, reports=Path(tmp))
                times.append(time.perf_counter() - t0)
                bad = {k: v for k, v in r.outcomes().items()
                       if k.startswith("linux.") and v != "passed" and k not in NO_JOURNAL}
                if r.rc != 0 or bad:
                    raise SystemExit(f"the healthy lab did not pass: {bad}\n{r.stdout[-2000:]}")
        return times
    finally:
        lab.down()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-live", action="store_true", help="only the replay")
    ap.add_argument("--full", action="store_true", help="live: -m linux (host and instance checks)")
    args = ap.parse_args()
    ok = True
    print(f"{'what':44} {'median s':>9} {'min s':>7} {'max s':>7}  target")
    if not args.no_live:
        marker = "linux" if args.full else "linux and host"
        res = live(args.runs, marker)
        if isinstance(res, str):
            print(f"{'live lab mp-host -m ' + repr(marker):44} skipped: {res}")
        else:
            med = statistics.median(res)
            ok &= med < 5.0
            print(f"{'live lab mp-host -m ' + repr(marker):44} {med:9.3f} {min(res):7.3f} {max(res):7.3f}  < 5 s")
    bundle = ROOT / "scenarios" / "linux" / "healthy"
    times, first, same = replay_runs(bundle, args.runs)
    med = statistics.median(times)
    ok &= med < 2.0 and same
    print(f"{'replay scenarios/linux/healthy':44} {med:9.3f} {min(times):7.3f} {max(times):7.3f}  < 2 s"
          f"  ({first['executions']} probe runs, {first['distinct']} distinct)")
    print("targets:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
