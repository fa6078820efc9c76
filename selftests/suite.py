"""Run the real suite (`pytest` at the project root) in a subprocess and read its diagnosis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@dataclass
class SuiteRun:
    rc: int
    stdout: str
    stderr: str
    reports: Path

    @property
    def diagnosis(self) -> dict:
        return json.loads((self.reports / "diagnosis.json").read_text())

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.diagnosis["checks"]}

    def check(self, check_id: str) -> dict:
        return next(c for c in self.diagnosis["checks"] if c["id"] == check_id)


def run_suite(*args: str, reports: Path, cwd: Path = ROOT, env: dict | None = None,
              timeout: float = 300) -> SuiteRun:
    """`python -m pytest <args>` at the project root, reports into `reports`."""
    reports.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--reports={reports}", *args]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=full_env, timeout=timeout)
    return SuiteRun(proc.returncode, proc.stdout, proc.stderr, reports)


def scenarios(platform: str) -> list[Path]:
    """Every scenario bundle of a platform (a directory with manifest.json and expected.json)."""
    base = SCENARIOS / platform
    return sorted(p for p in base.iterdir() if (p / "expected.json").is_file()) if base.is_dir() else []
