"""Several instance probes in one `multipass exec`, each result handed on as its command ends.

Every `multipass exec` costs the client's start and an SSH session (a tenth of a second and
more, several times that when many start at once on a small host), so the commands a
prefetch starts together run in one exec, side by side inside the instance. A result is
handed on the moment its command ends: a slow ping never holds up `ip route`.

Each result is what the command gives when run alone: its own stdout and stderr (each cut
at the output cap, `truncated` said) and exit code (each runs behind the exec guard of
mpdiag.multipass: 4 read as 104), under the argv it would run alone. The script frames them on stdout
behind a random marker with their lengths, so no output can fake a frame. When the exec
itself fails (the instance stopped, its SSH refused, the timeout), each command still
without a frame gets that failure, as its own exec would have; a batch that cannot start
in the instance (no mktemp or mkfifo) hands its commands back, to be run one by one.
"""

from __future__ import annotations

import shlex
import threading
import time
import uuid
from typing import Callable, Sequence

from mpdiag import runner
from mpdiag.multipass import exec_argv, guarded
from mpdiag.runner import CommandResult

SETUP_FAILED = b"mpdiag-batch:"  # the script's own word on stderr when it could not run its commands
_KEPT = 64 * 1024  # of the exec's own stdout (the frames are read as they come, not kept)

# POSIX sh (dash): each command in the background with its output in files; as each ends it
# writes its index into a FIFO, which the main loop reads to print that command's frame.
_SCRIPT = """\
d=$(mktemp -d 2>/dev/null) && mkfifo "$d/q" 2>/dev/null || { echo "mpdiag-batch: cannot set up (mktemp, mkfifo)" >&2; exit 97; }
trap 'rm -rf "$d"' EXIT
trap 'exit 1' HUP INT TERM
exec 3<>"$d/q"
j() { i=$1; shift; "$@" >"$d/$i.o" 2>"$d/$i.e" </dev/null 3>&-; echo $? >"$d/$i.r"; echo "$i" >&3; }
{jobs}
n={count}
while [ "$n" -gt 0 ]; do
  read i <&3 || { echo "mpdiag-batch: lost its queue" >&2; exit 98; }
  r=$(cat "$d/$i.r")
  o=$(($(wc -c <"$d/$i.o"))); e=$(($(wc -c <"$d/$i.e")))
  ko=$o; [ "$o" -gt {cap} ] && ko={cap}
  ke=$e; [ "$e" -gt {cap} ] && ke={cap}
  printf '\\n{mark} %s %s %s %s %s %s\\n' "$i" "$r" "$ko" "$ke" "$o" "$e"
  head -c "$ko" "$d/$i.o"; head -c "$ke" "$d/$i.e"
  n=$((n-1))
done
exit 0
"""


def script(commands: Sequence[Sequence[str]], mark: str, cap: int) -> str:
    """The sh script that runs `commands` side by side and frames each result behind `mark`."""
    jobs = "\n".join(f"j {i} {' '.join(shlex.quote(a) for a in guarded(argv))} &" for i, argv in enumerate(commands))
    return (_SCRIPT.replace("{jobs}", jobs).replace("{count}", str(len(commands)))
            .replace("{cap}", str(int(cap))).replace("{mark}", mark))


class Frames:
    """Reads the script's stdout as it comes: `done(index, rc, stdout, stderr, truncated)` once
    per well-formed frame. Anything else (a stray line, a frame that names an index twice or
    claims more than the cap) is skipped; memory stays within two caps and a header."""

    def __init__(self, mark: str, count: int, cap: int,
                 done: Callable[[int, int, bytes, bytes, bool], None]) -> None:
        self.head = b"\n" + mark.encode() + b" "
        self.count, self.cap, self.done = count, cap, done
        self.buf = bytearray()
        self.frame: tuple[int, int, int, int, bool] | None = None
        self.seen: set[int] = set()

    def feed(self, chunk: bytes) -> None:
        self.buf += chunk
        while self._step():
            pass

    def _step(self) -> bool:
        if self.frame is None:
            at = self.buf.find(self.head)
            if at < 0:
                del self.buf[:max(0, len(self.buf) - len(self.head))]  # keep what may start a header
                return False
            end = self.buf.find(b"\n", at + len(self.head))
            if end < 0:
                if len(self.buf) - at > 256:  # no header is that long
                    del self.buf[:at + 1]
                    return True
                del self.buf[:at]
                return False
            self.frame = self._header(bytes(self.buf[at + len(self.head):end]))
            del self.buf[:end if self.frame is None else end + 1]
            return True
        index, rc, kept_out, kept_err, cut = self.frame
        if len(self.buf) < kept_out + kept_err:
            return False
        out, err = bytes(self.buf[:kept_out]), bytes(self.buf[kept_out:kept_out + kept_err])
        del self.buf[:kept_out + kept_err]
        self.frame = None
        self.seen.add(index)
        self.done(index, rc, out, err, cut)
        return True

    def _header(self, line: bytes) -> tuple[int, int, int, int, bool] | None:
        try:
            index, rc, kept_out, kept_err, total_out, total_err = (int(f) for f in line.split())
        except ValueError:
            return None
        if not 0 <= index < self.count or index in self.seen or not (0 <= kept_out <= self.cap) \
                or not (0 <= kept_err <= self.cap):
            return None
        return index, rc, kept_out, kept_err, total_out > kept_out or total_err > kept_err


def run(instance: str, commands: Sequence[Sequence[str]], timeout: float, done: Callable[[int, CommandResult], None],
        output_cap: int = runner.DEFAULT_OUTPUT_CAP) -> list[int]:
    """Run `commands` (argvs inside `instance`) in one exec bounded by `timeout`; `done(i, result)`
    for each as it ends (on a reader thread), each result under its own exec argv. Returns the
    indices of the commands it did not run (the batch could not start there): run them alone."""
    mark = uuid.uuid4().hex
    start = time.monotonic()
    solo = [tuple(exec_argv(instance, argv)) for argv in commands]
    lock = threading.Lock()
    given: set[int] = set()

    def give(index: int, res: CommandResult) -> None:
        with lock:
            if index in given:
                return
            given.add(index)
        done(index, res)

    def frame(index: int, rc: int, out: bytes, err: bytes, cut: bool) -> None:
        give(index, CommandResult(solo[index], rc, out, err, time.monotonic() - start, truncated=cut))

    frames = Frames(mark, len(commands), output_cap, frame)
    failures: list[Exception] = []

    def feed(chunk: bytes) -> None:  # on the reader's thread: whatever `done` raises is raised here after
        try:
            frames.feed(chunk)
        except Exception as exc:
            failures.append(exc)

    res = runner.run(exec_argv(instance, ["sh", "-c", script(commands, mark, output_cap), "sh"]), timeout,
                     output_cap=_KEPT, on_stdout=feed)
    if failures:
        raise failures[0]
    missing = [i for i in range(len(commands)) if i not in given]
    if missing and not res.timed_out and (res.rc == 0 or SETUP_FAILED in res.stderr):
        return missing
    for i in missing:  # the exec failed or timed out: what each command's own exec would have given
        give(i, CommandResult(solo[i], res.rc, b"", res.stderr, res.duration, res.timed_out, truncated=res.truncated))
    return []
