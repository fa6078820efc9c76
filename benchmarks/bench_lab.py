"""Wall time of a full in-instance diagnosis against the network lab, per lab scenario, against
its limit: pytest's own start-up plus the one slowest probe (issue 16).

    sudo flock /tmp/lab.lock python benchmarks/bench_lab.py [--layout linux|macos|both] [--runs N] [--no-prefetch]

Per scenario (selftests/test_lab_e2e.py's cases): the wall time of `python -m pytest
tests_instance ...` inside mp-host with the lab's `multipass` stand-in (lab setup and fault
injection excluded), the start-up of an empty pytest in the same venv and namespace (the
faster of two, measured right before each run), the slowest single probe (from MPDIAG_STATS;
the launch is counted apart), and the ratio wall / (start-up + launch + slowest probe) of
each run: each figure the median of `--runs` runs (3 by default).
Targets on the project's 2-core machine: healthy < 2.5 s, every fault < 4 s, black-hole < 5 s
(a scenario that launches: the launch plus those), every ratio < 1.3. Then a full replay
against an empty pytest's start-up. The last line is

    live: worst ratio R (healthy H s, worst fault F s, black-hole B s)

and the exit status is 1 when a target is missed. Figures depend on the load: say it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selftests.test_lab_e2e import BY_LAYOUT, FAST, LAB_STATE, _unavailable, run_doctor  # noqa: E402

HEALTHY_S, FAULT_S, BLACK_HOLE_S, RATIO = 2.5, 4.0, 5.0, 1.3
REPLAY = ROOT / "scenarios" / "macos" / "instance-healthy"  # host and instance checks: the largest suite


# The plugins the runs leave out, left out of the empty start-up too (the dev venv's hypothesis
# alone costs a few tenths of a second, which no user's venv pays).
LEFT_OUT = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def empty_pytest(prefix: list[str], env: dict[str, str], runs: int = 2) -> float:
    """The fastest of `runs` starts of pytest with nothing to collect (exit 5), in this venv."""
    best = float("inf")
    with tempfile.TemporaryDirectory() as empty:
        for _ in range(runs):
            t0 = time.monotonic()
            subprocess.run([*prefix, sys.executable, "-m", "pytest", "-q", *LEFT_OUT, empty],
                           cwd=empty, env=env, capture_output=True, timeout=120)
            best = min(best, time.monotonic() - t0)
    return best


def target(case) -> float:
    if case.fault is None:
        return HEALTHY_S
    return BLACK_HOLE_S if case.fault == "black-hole" else FAULT_S


def _run(lab, case, extra: list[str]) -> dict:
    """One diagnosis: its wall time, launch, slowest probe and failing checks."""
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp, "stats.jsonl")
        os.environ["MPDIAG_STATS"] = str(stats)
        try:
            diag, _, wall = run_doctor(lab, Path(tmp), *case.args, *extra)
        finally:
            os.environ.pop("MPDIAG_STATS", None)
        probes = [p for line in stats.read_text().splitlines() for p in json.loads(line)["probes"]]
    return {"wall": wall, "launch": sum(p["duration"] for p in probes if p["name"] == "multipass_launch"),
            "slowest": max((p for p in probes if p["name"] != "multipass_launch"), key=lambda p: p["duration"]),
            "failing": sorted(c["id"].removeprefix("instance.") for c in diag["checks"] if c["outcome"] == "failed")}


def one(lab, case, extra: list[str], runs: int) -> dict:
    """The scenario's median of `runs` diagnoses (one run on a small host varies by a few tenths
    of a second, and the host's speed drifts): each run against the faster of two empty starts
    measured right before it, the wall and the ratio each the median of the runs'. The
    expected checks fail in every run."""
    lab.heal()
    if case.fault:
        lab.fault(case.fault)
    done = []
    for _ in range(runs):
        startup = empty_pytest(["ip", "netns", "exec", lab.state.host_ns], {**lab.env(), **FAST})
        r = _run(lab, case, extra)
        r.update(startup=startup, ratio=r["wall"] / (startup + r["launch"] + r["slowest"]["duration"]))
        done.append(r)
    median = sorted(done, key=lambda r: r["wall"])[len(done) // 2]
    ratio = sorted(r["ratio"] for r in done)[len(done) // 2]
    startup = sorted(r["startup"] for r in done)[len(done) // 2]
    wall, launch = median["wall"], median["launch"]
    budget = target(case) + launch
    return {"name": case.name, "fault": case.fault, "wall": wall, "startup": startup, "launch": launch,
            "slowest": median["slowest"], "ratio": ratio, "budget": budget, "met": wall < budget and ratio < RATIO,
            "failing": median["failing"],
            "expected": all(case.fails == frozenset(f"instance.{f}" for f in r["failing"]) for r in done)}


def bench(layout: str, extra: list[str], runs: int) -> list[dict]:
    from lab import Lab

    lab = Lab(LAB_STATE)
    t0 = time.monotonic()
    lab.up(layout, ["primary", "second"])
    print(f"\n== layout {layout}: lab up {time.monotonic() - t0:.2f} s")
    print(f"{'scenario':18} {'wall s':>7} {'target':>7} {'start-up':>8} {'launch':>6} {'ratio':>6}  "
          f"slowest probe                       failing checks")
    rows = []
    try:
        for case in BY_LAYOUT[layout]:
            r = one(lab, case, extra, runs)
            rows.append(r)
            p = r["slowest"]
            what = f"{p['name']} {' '.join(str(v) for v in p['params'].values())}"[:28]
            print(f"{r['name']:18} {r['wall']:7.2f} {r['budget']:6.1f}{' ' if r['wall'] < r['budget'] else '!'} "
                  f"{r['startup']:8.2f} {r['launch']:6.2f} {r['ratio']:5.2f}{' ' if r['ratio'] < RATIO else '!'}  "
                  f"{what:28} {p['duration']:5.2f} s  {', '.join(r['failing']) or '-'}"
                  f"{'' if r['expected'] else '  (NOT the expected checks)'}", flush=True)
        lab.heal()
    finally:
        lab.down()
    return rows


def replay_figures(runs: int = 3) -> tuple[float, float]:
    """(median wall of a full replay, median start-up of an empty pytest), same venv."""
    walls = []
    env = {**os.environ, **FAST}
    env.pop("MPDIAG_STATS", None)
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            t0 = time.monotonic()
            subprocess.run([sys.executable, "-m", "pytest", "-q", *LEFT_OUT, "--replay", str(REPLAY),
                            f"--reports={tmp}"], cwd=ROOT, env=env, capture_output=True, timeout=300)
            walls.append(time.monotonic() - t0)
    starts = [empty_pytest([], env, 1) for _ in range(runs)]
    return sorted(walls)[runs // 2], sorted(starts)[runs // 2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layout", choices=("linux", "macos", "both"), default="both")
    ap.add_argument("--no-prefetch", action="store_true", help="measure the serial run (the suite's --no-prefetch)")
    ap.add_argument("--runs", type=int, default=3, help="diagnoses per scenario; the median is reported (default 3)")
    args = ap.parse_args()
    reason = _unavailable()
    if reason:
        print(f"cannot run the lab here: {reason}", file=sys.stderr)
        return 2
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    extra = ["--no-prefetch"] if args.no_prefetch else []
    layouts = ("linux", "macos") if args.layout == "both" else (args.layout,)
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    rows = [r for layout in layouts for r in bench(layout, extra, args.runs)]
    replay, start = replay_figures()
    print(f"\nreplay: full suite ({REPLAY.relative_to(ROOT)}) {replay:.2f} s, empty pytest start-up {start:.2f} s "
          f"(x{replay / start:.2f})")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    missed = [r["name"] for r in rows if not r["met"]]
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    healthy = max(r["wall"] - r["launch"] for r in rows if r["fault"] is None)
    faults = [r for r in rows if r["fault"] not in (None, "black-hole")]
    worst_fault = max(r["wall"] - r["launch"] for r in faults)
    black_hole = max(r["wall"] - r["launch"] for r in rows if r["fault"] == "black-hole")
    print(f"live: worst ratio {max(r['ratio'] for r in rows):.2f} (healthy {healthy:.2f} s, "
          f"worst fault {worst_fault:.2f} s, black-hole {black_hole:.2f} s)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
