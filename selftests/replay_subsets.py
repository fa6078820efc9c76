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
import time
from pathlib import Path
from typing import Any, Callable

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


def computed_once(tmp_path_factory: Any, name: str, compute: Callable[[], dict], timeout: float = 1800) -> dict:
    """compute() once per selftest run, whichever xdist workers ask: the first to claim `name`
    (an atomic mkdir in the run's shared temp dir) computes and publishes the JSON (temp file,
    rename); the others wait for it. So a sweep of every scenario costs one sweep, not one per worker."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # popen-gwN's parent: the run's, shared by its workers
    done, failed = base / f"{name}.json", base / f"{name}.failed"
    try:
        (base / f"{name}.claim").mkdir()
    except FileExistsError:
        deadline = time.monotonic() + timeout
        while not done.exists():
            if failed.exists():
                raise RuntimeError(f"{name}: the worker computing it failed: {failed.read_text()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}: not computed within {timeout:.0f} s")
            time.sleep(0.5)
        return json.loads(done.read_text())
    try:
        value = compute()
    except BaseException as exc:
        failed.write_text(f"{type(exc).__name__}: {exc}"[:2000])
        raise
    part = base / f"{name}.json.part"
    part.write_text(json.dumps(value))
    os.replace(part, done)
    return value


def every_scenario() -> list[Path]:
    """Every committed scenario, platform by platform."""
    from mpdiag import catalog
    from selftests.suite import scenarios

    return [p for platform in catalog.PLATFORMS for p in scenarios(platform)]


def every_subset(tmp_path_factory: Any) -> dict:
    """{scenario: {subset: answers}} for every scenario, once per selftest run (the whole
    suite's answers, subset "", are also the prefetching run test_prefetch compares)."""
    return computed_once(tmp_path_factory, "subsets", lambda: in_two_processes(
        [sys.executable, str(ROOT / "selftests" / "replay_subsets.py")], every_scenario(),
        tmp_path_factory.mktemp("subsets")))


def main(out: str, scenarios: list[str]) -> None:
    os.chdir(ROOT)
    result: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in scenarios:
            result[scenario] = {m: replay(scenario, m, Path(tmp)) for m in SUBSETS}
    Path(out).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
