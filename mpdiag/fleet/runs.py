"""Reading many runs' diagnosis.json, robustly: a fleet summary must survive one bad file.

A support engineer points the summary at twenty CI artifacts; one of them is truncated,
one is a different tool's JSON, one directory is empty. Each such file is one warning
line naming it and saying what is wrong; the others are merged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

MAX_BYTES = 32 * 1024 * 1024  # a diagnosis with every probe output is well under 1 MB
OUTCOMES = ("passed", "failed", "error", "skipped", "warned")


class RunError(ValueError):
    """A diagnosis.json that cannot be merged (the message names what is wrong)."""


@dataclass(frozen=True)
class Check:
    id: str
    outcome: str
    problem_class: str
    muted: bool = False
    message: str = ""
    title: str = ""

    @property
    def failing(self) -> bool:
        """A problem found and not muted (what the fleet counts)."""
        return self.outcome == "failed" and not self.muted


@dataclass(frozen=True)
class Run:
    """One run of the doctor on one host (one night)."""

    host: str
    started: str
    platform: str
    mode: str
    source: str
    checks: dict = field(default_factory=dict)  # id -> Check
    triage: dict | None = None
    environment: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)


def _text(value: Any, what: str, path: str, optional: bool = False) -> str:
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise RunError(f"{what} is {type(value).__name__}, not a string")
    return value


def parse_run(doc: Any, source: str, default_host: str) -> Run:
    """A Run from a parsed diagnosis document; RunError names the first thing wrong."""
    if not isinstance(doc, dict):
        raise RunError(f"not a diagnosis (a JSON {type(doc).__name__}, not an object)")
    if not isinstance(doc.get("checks"), list):
        raise RunError("not a diagnosis (no `checks` list)")
    env = doc.get("environment") if isinstance(doc.get("environment"), dict) else {}
    host = doc.get("host") or env.get("host") or default_host
    host = _text(host, "`host`", source)
    started = _text(doc.get("started"), "`started`", source)
    checks: dict[str, Check] = {}
    for n, c in enumerate(doc["checks"]):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not c["id"]:
            raise RunError(f"check #{n + 1} has no `id`")
        outcome = c.get("outcome")
        if outcome not in OUTCOMES:
            raise RunError(f"check {c['id']} has outcome {outcome!r}, not one of {', '.join(OUTCOMES)}")
        checks[c["id"]] = Check(c["id"], outcome, _text(c.get("problem_class"), f"{c['id']}'s `problem_class`",
                                                        source, optional=True),
                                bool(c.get("muted")), _text(c.get("message"), f"{c['id']}'s `message`",
                                                            source, optional=True),
                                _text(c.get("title"), f"{c['id']}'s `title`", source, optional=True))
    triage = doc.get("triage") if isinstance(doc.get("triage"), dict) else None
    changes = doc.get("changes") if isinstance(doc.get("changes"), list) else []
    return Run(host=host, started=started, platform=str(doc.get("platform") or ""),
               mode=str(doc.get("mode") or ""), source=source, checks=checks, triage=triage,
               environment={k: v for k, v in env.items() if isinstance(v, (str, int, float)) or v is None},
               changes=[c for c in changes if isinstance(c, dict)])


def read_run(path: Path, default_host: str) -> Run:
    """One diagnosis.json file; RunError says why it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RunError(f"larger than {MAX_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise RunError(f"unreadable: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RunError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RunError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise RunError("JSON nested too deeply") from None
    return parse_run(doc, str(path), default_host)


def diagnosis_files(arg: Path) -> list[Path]:
    """The diagnosis.json files a command-line argument names: the file itself, DIR/diagnosis.json,
    else DIR/*/diagnosis.json (a folder of downloaded CI artifacts)."""
    if arg.is_file():
        return [arg]
    if (arg / "diagnosis.json").is_file():
        return [arg / "diagnosis.json"]
    if arg.is_dir():
        return sorted(p for p in arg.glob("*/diagnosis.json") if p.is_file())
    return []


def load_runs(args: Iterable[str | Path]) -> tuple[list[Run], list[str]]:
    """Every readable run under the arguments, and one warning line per unusable one."""
    runs: list[Run] = []
    warnings: list[str] = []
    for arg in args:
        base = Path(arg)
        files = diagnosis_files(base)
        if not files:
            what = "does not exist" if not base.exists() else "holds no diagnosis.json"
            warnings.append(f"skipping {base}: {what}")
            continue
        for f in files:
            default = f.parent.name or str(f.parent)
            try:
                runs.append(read_run(f, default))
            except RunError as exc:
                warnings.append(f"skipping {f}: {exc}")
    return runs, warnings
