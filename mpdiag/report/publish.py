"""Per-run staging and atomic publishing of the reports.

Every run writes its reports into its own staging directory next to the target
(`reports/.run-<pid>-<random>/`), then moves each into place: `os.replace` per file, and
for a directory (`allure-results/`) a swap: the old one renamed aside, the new one renamed
in, the old one deleted. A small lock directory (`reports/.publish.lock`, `mkdir` is atomic
on every OS) makes one run's set of artefacts land together, so two concurrent runs never
leave a mix. Nothing deletes another run's staging directory or results, except the
staging directory of a run whose process is gone and which is older than an hour.

`MPDIAG_PUBLISH_PAUSE=<seconds>` sleeps half-way through the publishing (after the first
artefact is in place): the selftests' way to interrupt a run at the worst moment.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator, Sequence

PREFIX = ".run-"
LOCK = ".publish.lock"
STALE_LOCK_S = 60.0
STALE_STAGING_S = 3600.0
PAUSE_ENV = "MPDIAG_PUBLISH_PAUSE"


def new_run_id(started: datetime) -> str:
    """`<UTC time>-<pid>-<random>`: unique per run, sortable, in every artefact."""
    return f"{started:%Y%m%dT%H%M%SZ}-{os.getpid()}-{secrets.token_hex(3)}"


def staging_dir(target: Path, run_id: str) -> Path:
    """Create this run's staging directory inside `target` (created too)."""
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{PREFIX}{run_id.split('-', 1)[1]}"
    path.mkdir()
    return path


def _pid_alive(pid: int) -> bool:
    try:
        import psutil

        return psutil.pid_exists(pid)
    except ImportError:  # pragma: no cover - psutil is a requirement
        return True


def remove_stale_staging(target: Path, now: float | None = None) -> list[Path]:
    """Delete staging directories left by runs that died (process gone, older than an hour)."""
    now = time.time() if now is None else now
    removed = []
    for p in target.glob(f"{PREFIX}*"):
        try:
            pid = int(p.name[len(PREFIX):].split("-", 1)[0])
            old = now - p.stat().st_mtime > STALE_STAGING_S
        except (ValueError, OSError):
            continue
        if old and pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


@contextmanager
def publish_lock(target: Path, timeout: float = 30.0) -> Iterator[None]:
    """Hold `target/.publish.lock` (a directory); a lock older than a minute is broken."""
    lock = target / LOCK
    deadline = time.monotonic() + timeout
    while True:
        try:
            lock.mkdir()
            break
        except FileExistsError:
            try:
                if time.time() - lock.stat().st_mtime > STALE_LOCK_S:
                    lock.rmdir()
                    continue
            except OSError:
                continue
            if time.monotonic() > deadline:
                raise TimeoutError(f"another run holds {lock} for more than {timeout:g} s") from None
            time.sleep(0.05)
    try:
        yield
    finally:
        try:
            lock.rmdir()
        except OSError:
            pass


def _swap_dir(new: Path, dest: Path, run_id: str) -> None:
    """Put directory `new` at `dest`: the old one aside, the new one in, the old one deleted."""
    aside = dest.with_name(f"{PREFIX}old-{dest.name}-{run_id}")
    for _ in range(20):
        try:
            os.replace(dest, aside)
        except FileNotFoundError:
            pass
        try:
            os.replace(new, dest)
            break
        except OSError:  # another run put its own in between: swap again
            continue
    shutil.rmtree(aside, ignore_errors=True)


def publish(staging: Path, names: Sequence[str], target: Path, run_id: str) -> list[Path]:
    """Move each staged artefact (file or directory) that exists into `target`, atomically
    each, all under the publish lock; returns the published paths."""
    done = []
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    with publish_lock(target):
        for name in names:
            src = staging / name
            if not src.exists():
                continue
            dest = target / name
            if src.is_dir():
                _swap_dir(src, dest, run_id)
            else:
                os.replace(src, dest)
            done.append(dest)
            if pause and len(done) == 1:
                print(f"mpdiag: publishing paused for {pause:g} s ({PAUSE_ENV})", file=sys.stderr, flush=True)
                time.sleep(pause)
    return done


def write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all: a temporary sibling, then `os.replace`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


class DeferredInterrupt:
    """Hold Ctrl-C (SIGINT) while reports are written: the writing finishes, then the run
    ends as interrupted (pytest's exit 2) with the new reports whole."""

    def __init__(self) -> None:
        self.received = False
        self._previous = None

    def _handler(self, signum, frame) -> None:
        self.received = True

    def __enter__(self) -> "DeferredInterrupt":
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
