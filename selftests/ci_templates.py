"""Run the CI templates' own commands (ci/github/nightly.yml, ci/gitlab/nightly.yml) on Linux.

A CI host would run them with Multipass and `--launch`; here the same commands run in a
copy of the project with `DOCTOR_ARGS` set to `--replay BUNDLE` and that bundle standing
in for the recording (placed where `--record` would have written it). What a runner
provides is provided the way runners do: GITHUB_ENV / GITHUB_OUTPUT files, the
`${{ env.* }}`, `${{ steps.*.outputs.* }}`, `${{ vars.* }}` expressions, RUNNER_NAME,
CI_JOB_NAME. Actions (`uses:`) are GitHub's, not ours, and are not run: the caller does
what they do (the cache keeps allure-history/ in the workdir; download-artifact puts
each doctor's reports in hosts/). `npx --yes allure@3` runs the Allure 3 CLI from the
selftests' npm cache (`allure_cli`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from selftests.suite import ROOT

PROJECT = ("conftest.py", "pytest.ini", "pyproject.toml", "setup.py", "requirements.txt", "fixtures", "mpdiag",
           "tests_host", "tests_instance", "ci")
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def allure_cli() -> Path | None:
    """The Allure 3 CLI (npm `allure@3`), installed once into a cache dir, never globally."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    cache = Path(os.environ.get("MPDIAG_ALLURE_CACHE", Path.home() / ".cache" / "mpdiag" / "allure3"))
    cli = cache / "node_modules" / ".bin" / "allure"
    if not cli.exists():
        cache.mkdir(parents=True, exist_ok=True)
        (cache / "package.json").write_text('{"private": true}\n')
        try:
            subprocess.run([npm, "install", "--no-audit", "--no-fund", "allure@3"], cwd=cache,
                           capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return None
    return cli if cli.exists() else None


def workdir(dest: Path) -> Path:
    """A copy of the project (what `actions/checkout` gives), without caches."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in PROJECT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, dest / name)
    return dest


def shims(dest: Path, allure: Path) -> Path:
    """A PATH entry whose `npx --yes allure@3 ARGS` runs the cached Allure 3 CLI."""
    dest.mkdir(parents=True, exist_ok=True)
    npx = dest / "npx"
    npx.write_text("#!/bin/sh\n[ \"$1\" = --yes ] && shift\n"
                   "case \"$1\" in allure@3) shift; exec \"" + str(allure) + "\" \"$@\";; esac\n"
                   "echo \"npx shim: only allure@3\" >&2; exit 127\n")
    npx.chmod(0o755)
    return dest


class GitHubJob:
    """Runs one job's `run:` steps of a workflow the way a runner does."""

    def __init__(self, workflow: Path, job: str, cwd: Path, env: dict[str, str]) -> None:
        self.spec = yaml.safe_load(workflow.read_text())["jobs"][job]
        self.cwd = cwd
        self.env = {**os.environ, **{k: str(v) for k, v in (self.spec.get("env") or {}).items()}, **env}
        self.outputs: dict[str, dict[str, str]] = {}
        self.ran: list[tuple[str, int, str]] = []

    def expr(self, text: str) -> str:
        def one(m: re.Match) -> str:
            e = m.group(1)
            parts = e.split(".")
            if parts[0] == "env":
                return self.env.get(parts[1], "")
            if parts[0] == "vars":
                return self.env.get(f"VARS_{parts[1]}", "")
            if parts[0] == "steps" and parts[2] == "outputs":
                return self.outputs.get(parts[1], {}).get(parts[3], "")
            raise AssertionError(f"the template uses an expression this runner does not know: {e}")
        return EXPR.sub(one, text)

    def condition(self, cond: str | None) -> bool:
        if cond is None:
            return all(rc == 0 for _, rc, _ in self.ran)
        if cond == "always()":
            return True
        m = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) != '(\w*)'", cond)
        if m:
            return self.outputs.get(m.group(1), {}).get(m.group(2), "") != m.group(3)
        raise AssertionError(f"the template uses a condition this runner does not know: {cond}")

    def run(self, timeout: float = 600) -> list[tuple[str, int, str]]:
        """Every `run:` step whose condition holds; returns (name, rc, output) per step run."""
        shell = (self.spec.get("defaults") or {}).get("run", {}).get("shell", "bash")
        assert shell == "bash", shell
        for step in self.spec["steps"]:
            if "run" not in step or not self.condition(step.get("if")):
                continue
            env_file, out_file = self.cwd / ".github_env", self.cwd / ".github_output"
            env_file.write_text("")
            out_file.write_text("")
            env = {**self.env, **{k: self.expr(str(v)) for k, v in (step.get("env") or {}).items()},
                   "GITHUB_ENV": str(env_file), "GITHUB_OUTPUT": str(out_file)}
            proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", self.expr(step["run"])], cwd=self.cwd,
                                  env=env, capture_output=True, text=True, timeout=timeout)
            self.env.update(_kv(env_file.read_text()))
            if step.get("id"):
                self.outputs[step["id"]] = _kv(out_file.read_text())
            self.ran.append((step.get("name", step["run"][:40]), proc.returncode, proc.stdout + proc.stderr))
        return self.ran


def _kv(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def gitlab_script(template: Path, job: str) -> tuple[list[str], dict[str, str]]:
    """A GitLab job's script lines and variables, `extends:` resolved (one level, as the template uses)."""
    spec = yaml.safe_load(template.read_text())
    j = dict(spec[job])
    if "extends" in j:
        base = dict(spec[j.pop("extends")])
        base.update(j)
        j = base
    return list(j["script"]), {k: str(v) for k, v in (j.get("variables") or {}).items()}


def run_gitlab(template: Path, job: str, cwd: Path, env: dict[str, str], timeout: float = 600):
    """The job's script as GitLab's bash shell runs it: one shell, `set -eo pipefail` first."""
    lines, variables = gitlab_script(template, job)
    script = "set -eo pipefail\n" + "\n".join(lines) + "\n"
    return subprocess.run(["bash", "-c", script], cwd=cwd, env={**os.environ, **variables, **env},
                          capture_output=True, text=True, timeout=timeout)
