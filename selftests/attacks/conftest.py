"""The attack selftests: hostile inputs made here (bundles, archives, probe outputs, fake
`multipass`/`powershell` scripts that hang, fork, escape or flood), each test one attack.

Every test in this folder is an attack; it *survives* when the doctor refused, bounded or
contained it as the reliability contract says (the test passed). The closing line counts
them, so CI logs show the attack surface at a glance: ``attacks: N tried, N survived``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
_TRIED: set[str] = set()
_FAILED: set[str] = set()


def _is_attack(nodeid_path: Path) -> bool:
    return HERE in nodeid_path.resolve().parents


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not _is_attack(Path(report.fspath)):
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _TRIED.add(report.nodeid)
    if report.failed:
        _FAILED.add(report.nodeid)


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest's reporter
    tried = {n for n in _TRIED}
    if not tried:
        return
    survived = len(tried - _FAILED)
    terminalreporter.write_line(f"attacks: {len(tried)} tried, {survived} survived")
