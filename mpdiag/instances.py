"""Launch and delete the session's own instance, and the `multipass shell` session (a Python
probe). No pytest here: fixtures/instances.py wires the lifecycle; the launch itself is the
`multipass_launch` probe (mpdiag/probes/instance.py); which instance is checked is the host
model's (mpdiag.host).

Rules this module keeps:
- Every name is validated before any command (`validate_name`).
- A launch is always paired with `delete --purge`, also after a failed or interrupted launch
  (the caller registers the cleanup *before* it launches).
- The launch and delete processes run in their own session and are killed, with their
  children, when the caller is interrupted (Ctrl-C, SIGTERM): nothing keeps running behind it.
"""

from __future__ import annotations

import os
import contextlib
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from typing import Any, Iterator

from mpdiag import runner
from mpdiag.multipass import CLI, exec_argv, validate_name
from mpdiag.runner import CommandResult

LAUNCH_PREFIX = "mpdiag"
DELETE_TIMEOUT = 120.0


def new_name(prefix: str = LAUNCH_PREFIX) -> str:
    """A unique, valid instance name: `mpdiag-<6 hex>`."""
    return validate_name(f"{prefix}-{secrets.token_hex(3)}")


def launch_argv(name: str, timeout: int, image: str | None = None) -> list[str]:
    """`multipass launch [IMAGE] --name NAME --timeout T`."""
    argv = [CLI, "launch", "--name", validate_name(name), "--timeout", str(int(timeout))]
    if image:
        if image.startswith("-"):
            raise ValueError(f"image {image!r} looks like an option")
        argv.insert(2, image)
    return argv


def delete_argv(name: str) -> list[str]:
    """`multipass delete --purge NAME`."""
    return [CLI, "delete", "--purge", validate_name(name)]


def delete(name: str) -> CommandResult:
    """`delete --purge`, shielded from a second Ctrl-C while it runs (the user asked to stop,
    not to leave an instance behind)."""
    with signal_handlers(signal.SIG_IGN, "SIGINT", "SIGTERM"):
        return runner.run(delete_argv(name), DELETE_TIMEOUT)


@contextlib.contextmanager
def signal_handlers(handler: Any, *names: str) -> Iterator[None]:
    """Install `handler` for the named signals while the block runs, then restore the old ones.
    Only the main thread may touch signals: elsewhere this is a no-op."""
    saved: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in names:
            sig = getattr(signal, name, None)
            if sig is None:
                continue
            try:
                saved[sig] = signal.signal(sig, handler)
            except (ValueError, OSError):
                pass
    try:
        yield
    finally:
        for sig, old in saved.items():
            try:
                signal.signal(sig, old)
            except (ValueError, OSError):
                pass


def prompt_regex(name: str) -> str:
    """Ubuntu's default bash prompt for user ubuntu on host NAME (the hostname is the name)."""
    return rf"ubuntu@{re.escape(name)}:.*\$ "


def has_pty() -> bool:
    """pexpect needs a pty: not on Windows."""
    if os.name == "nt":
        return False
    import importlib.util

    return importlib.util.find_spec("pexpect") is not None


def shell_session(ctx: Any) -> dict[str, Any]:
    """Drive `multipass shell NAME` (TERM=dumb) to Ubuntu's prompt, then `exit`.

    Returns {"reached_prompt", "transcript", "method", "seconds"}. Bounded by the probe
    timeout: the child is killed before the probe's own deadline. Where no pty exists
    (Windows), `multipass exec NAME -- true` stands in for it.
    """
    name = validate_name(ctx.instance or "")
    budget = max(1.0, ctx.timeout * 0.8)
    start = time.monotonic()
    if not has_pty():
        res = runner.run(exec_argv(name, ["true"]), budget)
        return {"reached_prompt": res.rc == 0 and not res.timed_out, "method": "exec",
                "transcript": (res.text + res.error_text)[-4000:], "rc": res.rc,
                "seconds": round(time.monotonic() - start, 3)}
    import pexpect

    env = {**os.environ, "TERM": "dumb"}
    cli = shutil.which(CLI, path=env.get("PATH")) or CLI
    child = pexpect.spawn(cli, ["shell", name], env=env, encoding="utf-8", codec_errors="replace",
                          timeout=budget, echo=False, dimensions=(40, 200))
    reached = False
    transcript = ""
    try:
        idx = child.expect([prompt_regex(name), pexpect.EOF, pexpect.TIMEOUT],
                           timeout=max(0.5, budget - (time.monotonic() - start)))
        reached = idx == 0
        transcript = _text(child.before) + _text(child.after)
        if reached:
            child.sendline("exit")
            try:
                child.expect(pexpect.EOF, timeout=max(0.5, min(3.0, budget - (time.monotonic() - start))))
            except pexpect.TIMEOUT:
                pass
            transcript += _text(child.before)
    finally:
        child.close(force=True)
    return {"reached_prompt": reached, "method": "pexpect", "transcript": _tail(transcript),
            "rc": child.exitstatus if child.exitstatus is not None else child.signalstatus,
            "seconds": round(time.monotonic() - start, 3)}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _tail(text: str, limit: int = 4000) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text[-limit:]


def parse_shell_session(text: str) -> dict[str, Any]:
    """The recorded JSON of a shell_session probe, validated."""
    from mpdiag.errors import ParseError
    from mpdiag.probes.common import parse_json

    data = parse_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("reached_prompt"), bool):
        raise ParseError("shell_session: expected an object with a boolean reached_prompt", text)
    data.setdefault("transcript", "")
    return data


if __name__ == "__main__":  # pragma: no cover - manual use: python -m mpdiag.instances NAME
    class _Ctx:
        instance = sys.argv[1]
        timeout = 10.0
        params: dict = {}

    print(shell_session(_Ctx()))
