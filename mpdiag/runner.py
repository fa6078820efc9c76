"""Run one argv (never a shell string), bounded in time and output, and say what happened.

A runner never raises for a failing command: the result carries rc, output, whether the
timeout fired and whether the output was cut, so the probe layer decides what counts as
data. The bounds hold against a hostile machine (the reliability contract, design.md):

- *time*: stdout and stderr are read by reader threads; the caller waits for the process
  and for the pipes to close only until the deadline, never on a pipe without one;
- *the whole tree*: on timeout every descendant is killed (psutil walks the tree on every
  OS, plus the process group on POSIX), and so is any process that escaped it (`setsid`,
  a double fork): each run marks its child's environment, and a process still holding a
  pipe open after the tree kill is found by that mark;
- *output*: each stream keeps its first `output_cap` bytes; the rest is read and dropped,
  so a flooding child neither blocks nor fills memory, and the result says `truncated`.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import IO, Callable, Sequence

import psutil

from mpdiag.parse.text import decode

SUDO_PASSWORD_MARKERS = (
    "a password is required",
    "a terminal is required",
    "no tty present",
    "sudo: unable to",
)

DEFAULT_OUTPUT_CAP = 4 * 1024 * 1024  # bytes kept of each of stdout and stderr
MARK = "MPDIAG_RUN_MARK"  # environment variable that finds a run's escaped processes
PIPE_GRACE = 1.0  # seconds the pipes get to close once their writers were killed
_CHUNK = 1 << 16
_RUNNING: dict[int, tuple[subprocess.Popen, str]] = {}  # pid -> (process, mark): what run() supervises now
_RUNNING_LOCK = threading.Lock()


@dataclass(frozen=True)
class CommandResult:
    """What one probe execution produced, byte for byte (up to the output cap)."""

    argv: tuple[str, ...]
    rc: int
    stdout: bytes
    stderr: bytes = b""
    duration: float = 0.0
    timed_out: bool = False
    meta: dict = field(default_factory=dict, compare=False)
    truncated: bool = False  # stdout or stderr was cut at the output cap (the head is kept)

    @property
    def text(self) -> str:
        """stdout decoded the robust way (BOM, UTF-16, CRLF)."""
        return decode(self.stdout)

    @property
    def error_text(self) -> str:
        return decode(self.stderr).strip()

    @property
    def kept_bytes(self) -> int:
        """Where the output was cut: the size of the longer stream kept (both stop at the cap)."""
        return max(len(self.stdout), len(self.stderr))

    @property
    def sudo_refused(self) -> bool:
        """sudo -n could not run the command without a password."""
        err = self.error_text.lower()
        return self.rc != 0 and err.startswith("sudo") and any(m in err for m in SUDO_PASSWORD_MARKERS)


def privileged(argv: Sequence[str]) -> list[str]:
    """The argv of a root-only command: as is when root, else through `sudo -n` (never a prompt)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return list(argv)
    if os.name == "nt":  # Administrator rights cannot be gained from a child process
        return list(argv)
    return ["sudo", "-n", *argv]


class _Reader(threading.Thread):
    """Reads one pipe to its end: keeps the head up to `cap` bytes, drops the rest, and hands
    each chunk as it comes to `feed` (a reader of a stream that must not wait for the end)."""

    def __init__(self, pipe: IO[bytes], cap: int, name: str, feed: Callable[[bytes], None] | None = None) -> None:
        super().__init__(daemon=True, name=name)
        self.pipe = pipe
        self.cap = cap
        self.feed = feed
        self.buf = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def run(self) -> None:
        fd = self.pipe.fileno()
        try:
            while True:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    break
                with self.lock:
                    room = self.cap - len(self.buf)
                    if room > 0:
                        self.buf += chunk[:room]
                    self.total += len(chunk)
                if self.feed is not None:
                    self.feed(chunk)
        except OSError:
            pass
        finally:  # the reader owns its pipe: closed here only, never under a blocked read
            self.pipe.close()

    def snapshot(self) -> tuple[bytes, bool]:
        with self.lock:
            return bytes(self.buf), self.total > self.cap


def _feed(pipe: IO[bytes], data: bytes) -> None:
    try:
        pipe.write(data)
    except OSError:  # the child closed stdin or died: what it read is what it got
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def run(argv: Sequence[str], timeout: float, stdin: bytes | None = None,
        env: dict[str, str] | None = None, output_cap: int = DEFAULT_OUTPUT_CAP,
        on_stdout: Callable[[bytes], None] | None = None) -> CommandResult:
    """Run argv; it ends, with every process it started, within `timeout` (plus a short
    grace when something escaped); each output stream keeps at most `output_cap` bytes.
    `on_stdout` gets stdout's chunks as they come (on the reader's thread; it must not raise)."""
    argv = tuple(argv)
    mark = uuid.uuid4().hex
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name != "nt",
            env={**(os.environ if env is None else env), MARK: mark},
        )
    except FileNotFoundError:
        return CommandResult(argv, 127, b"", f"{argv[0]}: command not found".encode(), 0.0)
    except PermissionError as exc:
        return CommandResult(argv, 126, b"", f"{argv[0]}: {exc.strerror}".encode(), 0.0)
    except OSError as exc:  # e.g. exec format error: a broken binary is data, not a crash
        return CommandResult(argv, 126, b"", f"{argv[0]}: {exc.strerror or exc}".encode(), 0.0)
    with _RUNNING_LOCK:
        _RUNNING[proc.pid] = (proc, mark)
    try:
        return _supervise(proc, argv, mark, start, timeout, stdin, output_cap, on_stdout)
    finally:
        with _RUNNING_LOCK:
            _RUNNING.pop(proc.pid, None)


def _supervise(proc: subprocess.Popen, argv: tuple[str, ...], mark: str, start: float, timeout: float,
               stdin: bytes | None, output_cap: int, on_stdout: Callable[[bytes], None] | None) -> CommandResult:
    readers = [_Reader(proc.stdout, output_cap, f"out-{proc.pid}", on_stdout),  # type: ignore[arg-type]
               _Reader(proc.stderr, output_cap, f"err-{proc.pid}")]  # type: ignore[arg-type]
    for r in readers:
        r.start()
    if stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True).start()
    deadline = start + timeout
    try:
        timed_out = not _wait(proc, readers, deadline)
        if timed_out:
            kill_tree(proc)
            kill_marked(mark)  # what left the tree (its parent died) or the session
            _reap(proc)
            _join(readers, time.monotonic() + PIPE_GRACE)
    except BaseException:  # Ctrl-C, or a SIGTERM turned into an exception: no orphan is left
        kill_tree(proc)
        kill_marked(mark)
        _reap(proc)
        raise
    (out, cut_out), (err, cut_err) = (r.snapshot() for r in readers)
    rc = proc.returncode if proc.returncode is not None else -9
    return CommandResult(argv, rc, out, err, time.monotonic() - start, timed_out,
                         truncated=cut_out or cut_err)


def kill_running() -> list[int]:
    """Kill every command `run` is supervising now, in any thread, with its whole tree (and
    what escaped it): Ctrl-C reaches only the main thread, and a prefetch pool's probes
    must not outlive it. Their `run` calls then return promptly (rc -9). Returns the PIDs."""
    with _RUNNING_LOCK:
        running = list(_RUNNING.values())
    for proc, _ in running:
        kill_tree(proc)
    if running:
        kill_marked(*(mark for _, mark in running))
    return [proc.pid for proc, _ in running]


def _wait(proc: subprocess.Popen, readers: list[_Reader], deadline: float) -> bool:
    """Wait for the process to exit and both pipes to close, until the deadline."""
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return _join(readers, deadline)


def _join(readers: list[_Reader], deadline: float) -> bool:
    for r in readers:
        r.join(max(0.0, deadline - time.monotonic()))
    return not any(r.is_alive() for r in readers)


def _reap(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=PIPE_GRACE)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not yet delivered
        pass


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill a process and every descendant, in rounds (a forking child keeps forking).
    The tree is walked only while the process is unreaped, so its PID is not reused."""
    _kill_group(proc.pid)
    for _ in range(3):
        if proc.returncode is not None:
            return
        try:
            top = psutil.Process(proc.pid)
            alive = [p for p in (top, *top.children(recursive=True)) if _alive(p)]
        except psutil.Error:
            return
        if not alive:
            return
        for p in alive:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs([p for p in alive if p.pid != proc.pid], timeout=0.2)


def _kill_group(pgid: int) -> None:
    """POSIX: SIGKILL the process group the child leads (start_new_session)."""
    if os.name != "nt":
        import signal

        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:  # no such group (all gone) or not ours
            pass


def kill_marked(*marks: str) -> list[int]:
    """Kill every process of this user whose environment carries one of these runs' marks:
    the ones that left the tree (their parent died) or the session. Returns their PIDs."""
    found = []
    wanted = set(marks)
    for p in psutil.process_iter():
        try:
            if p.pid == os.getpid() or p.environ().get(MARK) not in wanted:
                continue
            p.kill()
            found.append(p.pid)
        except psutil.Error:
            continue
    return found


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
