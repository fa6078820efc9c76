"""Replay scenarios whole and under each marker subset, in one process (pytest.main per run).

`python selftests/replay_subsets.py OUT.json SCENARIO...` writes, per scenario and subset,
every check's outcome and message and diagnosis.json's environment. In-process runs share
the imports (about 0.3 s a run instead of 2 s for a fresh interpreter); test_consistency.py
compares them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBSETS = ("", "host", "instance", "generic", "routing", "dns", "arp")
# Reports the comparison does not read: off, so a run costs what the checks cost.
QUIET = ("-p", "no:allure_pytest", "-p", "no:html", "-p", "no:junitxml")


def answers(diagnosis: dict) -> dict:
    return {"checks": {c["id"]: [c["outcome"], c["message"]] for c in diagnosis["checks"]},
            "environment": diagnosis["environment"]}


def replay(scenario: str, marker: str, reports: Path, extra: tuple[str, ...] = ()) -> dict:
    import pytest

    args = ["-q", "-p", "no:cacheprovider", *QUIET, "--replay", scenario, f"--reports={reports}", *extra]
    if marker:
        args += ["-m", marker]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = pytest.main(args)
    if rc not in (0, 1, 5):
        raise SystemExit(f"{scenario} -m {marker!r}: pytest exited {rc}")
    path = reports / "diagnosis.json"
    out = answers(json.loads(path.read_text())) if rc != 5 else {"checks": {}, "environment": None}
    path.unlink(missing_ok=True)
    return out


def in_two_processes(command: list[str], scenarios: list, tmp: Path, timeout: float = 900) -> dict:
    """Run `command OUT.json SCENARIO...` in two processes, each on half the scenarios (the
    in-process runs are CPU-bound: two halves use two cores); their JSON merged."""
    import subprocess

    halves = [[str(p) for p in scenarios[0::2]], [str(p) for p in scenarios[1::2]]]
    procs = [subprocess.Popen([*command, str(tmp / f"{n}.json"), *half], cwd=ROOT, stderr=subprocess.PIPE,
                              text=True) for n, half in enumerate(halves)]
    out: dict = {}
    for n, proc in enumerate(procs):
        _, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err[-3000:]
        out.update(json.loads((tmp / f"{n}.json").read_text()))
    return out


def main(out: str, scenarios: list[str]) -> None:
    os.chdir(ROOT)
    result: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in scenarios:
            result[scenario] = {m: replay(scenario, m, Path(tmp)) for m in SUBSETS}
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
