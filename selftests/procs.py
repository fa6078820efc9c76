"""What the selftests' fake tools leave behind: every PID a fake recorded that still runs."""

from __future__ import annotations

from pathlib import Path

import psutil


def kill_recorded(pids_file: Path) -> list[int]:
    """The PIDs listed in `pids_file` that still run (zombies do not count), each killed
    here by PID; a PID reused by an unrelated process is left alone (its environment lacks
    the fake's PIDS marker)."""
    pids = {int(x) for x in pids_file.read_text().split()} if pids_file.exists() else set()
    alive = []
    for pid in sorted(pids):
        try:
            p = psutil.Process(pid)
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get("PIDS") == str(pids_file):
                alive.append(pid)
                p.kill()
        except psutil.Error:
            continue
    return alive


def fake_tool(where: Path, name: str, script: str) -> Path:
    """An executable script `name` in directory `where` (made if need be): put `where` first on
    PATH and the doctor runs it in place of the real tool."""
    where.mkdir(parents=True, exist_ok=True)
    exe = where / name
    exe.write_text(script)
    exe.chmod(0o755)
    return exe
