"""Replay benchmark: median wall time of 5 full replay runs per platform, and probe executions.

    python benchmarks/bench_replay.py [--runs 5] [platform ...]

Target (issue 2/4): under 2 s per full run on a 2-core machine; executions per run must
equal the number of distinct probes (each probe runs once per session).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(bundle: Path, extra: list[str]) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp, "stats.jsonl")
        env = {**os.environ, "MPDIAG_STATS": str(stats)}
        argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--replay", str(bundle),
                f"--reports={tmp}", f"--junitxml={tmp}/junit.xml", *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        took = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
        lines = [json.loads(ln) for ln in stats.read_text().splitlines()]
        return took, {"executions": sum(x["executions"] for x in lines),
                      "distinct": sum(x["distinct"] for x in lines)}


def replay_runs(bundle: Path, runs: int) -> tuple[list[float], dict, bool]:
    """Wall times of `runs` full replays, the first run's probe counts, and whether every run
    executed each probe exactly once."""
    times, counts = [], []
    for _ in range(runs):
        took, c = one_run(bundle, [])
        times.append(took)
        counts.append(c)
    return times, counts[0], all(c["executions"] == c["distinct"] for c in counts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--scenario", default="healthy")
    ap.add_argument("platforms", nargs="*", default=["macos", "windows", "linux"])
    args = ap.parse_args()
    ok = True
    print(f"{'platform':10} {'scenario':22} {'median s':>9} {'min s':>7} {'max s':>7} {'probe runs':>10} {'distinct':>8}")
    for platform in args.platforms:
        bundle = ROOT / "scenarios" / platform / args.scenario
        if not (bundle / "manifest.json").exists():
            print(f"{platform:10} {args.scenario:22} (no scenario)")
            continue
        times, first, same = replay_runs(bundle, args.runs)
        ok &= same and statistics.median(times) < 2.0
        print(f"{platform:10} {args.scenario:22} {statistics.median(times):9.3f} {min(times):7.3f} {max(times):7.3f}"
              f" {first['executions']:>10} {first['distinct']:>8}{'' if same else '  <- probes re-run!'}")
    print("target: median < 2 s, probe runs == distinct probes:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
