"""Every parser is linear: hostile 1 MB inputs, each held to a CPU-time budget.

A non-greedy `.*?` after a keyword once made `'block all ' * 50000` take minutes, and
shlex took 11 s on a 1 MB iptables word. The parsers are found, not listed (every public
text function of mpdiag/parse, every probe's parser elsewhere: parse_budget_child.py), so
a new parser is held to the budget by itself. Each group runs in a child process that says
which call it is in, so a hang is named and killed instead of hanging this run. A
ParseError is a fine answer; any other exception is a crash.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mpdiag import runner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import parse_budget_child as child  # noqa: E402

BUDGET_S = 2.0   # CPU seconds of one parser on one 1 MB input (linear parsers take < 0.3 s)
HANG_S = 30.0    # wall seconds without progress: the call is hung, the child is killed


def _run_group(group: str) -> tuple[list[dict], str | None]:
    """Results of a group's calls, and the call that hung (if one did)."""
    proc = subprocess.Popen([sys.executable, str(HERE / "parse_budget_child.py"), group],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE.parent)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: ([lines.put(x) for x in proc.stdout], lines.put(None)),  # type: ignore[union-attr]
                     daemon=True).start()
    done, current = [], None
    try:
        while True:
            try:
                line = lines.get(timeout=HANG_S)
            except queue.Empty:
                return done, current
            if line is None:
                break
            event = json.loads(line)
            if event["event"] == "start":
                current = event["key"]
            else:
                done.append(event)
                current = None
    finally:
        runner.kill_tree(proc)
        proc.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr.read()[-2000:]  # type: ignore[union-attr]
    return done, None


@pytest.mark.parametrize("group", [*child.parse_modules(), "probes"])
def test_parsers_are_linear_on_hostile_input(group):
    done, hung = _run_group(group)
    assert hung is None, f"{hung}: no answer within {HANG_S:g} s"
    if not child.parsers(group):
        pytest.skip(f"{group}: no text parser")
    assert done, f"{group}: nothing was tried"
    slow = [f"{e['key']}: {e['cpu']} s" for e in done if e["cpu"] > BUDGET_S]
    crashed = [f"{e['key']}: {e['outcome']}" for e in done if e["outcome"].startswith("crash")]
    assert not slow, f"over the {BUDGET_S:g} s budget:\n" + "\n".join(slow)
    assert not crashed, "not a ParseError:\n" + "\n".join(crashed)


def test_discovery_finds_the_parsers_of_every_probe():
    """Every registered probe's parser is tried: in its parse module or in group `probes`."""
    from mpdiag.probes import load_all

    covered = {name for g in [*child.parse_modules(), "probes"] for name in child.parsers(g)}
    for probe in load_all().values():
        fn = probe.parser()
        assert f"{fn.__module__}:{fn.__name__}" in covered, probe.name


def test_the_budget_catches_a_quadratic_parser():
    """The harness itself: the old socketfilterfw pattern on `block all ` repeated is over it."""
    import re
    import time

    old = re.compile(r"\bblock all\b.*?\b(enabled|disabled|on|off)\b", re.I)
    text = "block all " * 5000  # 50 kB, a twentieth of the inputs above
    start = time.thread_time()
    old.search(text)
    assert time.thread_time() - start > 0.05  # quadratic: 1 MB would be ~400 times this
