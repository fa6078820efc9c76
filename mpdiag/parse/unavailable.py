"""What a probe gives instead of data when what it reads cannot be had, typed.

A probe's *readers* look at the whole result (rc, stdout, stderr, timed_out) before its
parser sees the text, and say what an exit code or an error message means for that
probe: the thing read does not exist (:class:`Absent`: no hosts.ics, no leases file, no
SharedAccess service), access was refused (:class:`Denied`: bcdedit not elevated), the
tool is not installed (:class:`ToolMissing`: no ufw, no journalctl). The probe's value is
then one of these, so a check tests `isinstance(value, Absent)` and never re-decides an
exit code. Every other failure stays what it was: an error (ProbeError, ParseError).

The values are falsy, so code that only wants data (`if not zones`) reads them as none.
Pure: no I/O.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from mpdiag.runner import CommandResult

__all__ = ["Unavailable", "Absent", "Denied", "ToolMissing", "Reader",
           "tool_missing", "no_such_file", "exit_code", "stderr_says", "no_kernel_support", "NO_JOURNAL"]


@dataclass(frozen=True)
class Unavailable:
    """The probe ran and its result says why there is no data (`why`, a sentence)."""

    why: str

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return self.why


class Absent(Unavailable):
    """What the probe reads does not exist (a file, a service, a namespace, a journal)."""


class Denied(Unavailable):
    """The probe was refused access (not root / not elevated)."""


class ToolMissing(Unavailable):
    """The probe's command is not installed."""


Reader = Callable[["CommandResult"], Optional[Unavailable]]


def _argv(res: CommandResult) -> list[str]:
    """The command as it ran: on a remote host (`ssh ... -- HOST 'CMD' 'ARG'...`, mpdiag.ssh)
    the remote command's words, not ssh's."""
    argv = list(res.argv)
    if argv[:1] == ["ssh"] and "--" in argv:
        try:
            return shlex.split(argv[-1])
        except ValueError:
            return argv
    return argv


def _tool(res: CommandResult) -> str:
    argv = [a for a in _argv(res) if a not in ("sudo", "-n")]
    return argv[0] if argv else "the command"


def tool_missing(res: CommandResult) -> ToolMissing | None:
    """The tool is not installed: rc 127 run directly; through `sudo -n`, sudo's own
    `sudo: TOOL: command not found` (rc 1). A missing sudo is not a missing tool."""
    err = res.error_text.lower()
    if _argv(res)[:1] == ["sudo"]:
        missing = res.rc != 0 and "command not found" in err and not err.startswith("sudo: command not found")
    else:
        missing = res.rc == 127
    return ToolMissing(f"{_tool(res)} is not installed") if missing else None


def no_such_file(what: str) -> Reader:
    """A reader: a failed read whose error says `No such file` means `what` does not exist."""
    def read(res: CommandResult) -> Absent | None:
        if res.rc != 0 and "No such file" in res.error_text:
            return Absent(f"{what} does not exist")
        return None

    return read


def exit_code(rc: int, kind: type[Unavailable], why: str) -> Reader:
    """A reader: exit code `rc` means `kind(why)` (the probe's command says so by design)."""
    def read(res: CommandResult) -> Unavailable | None:
        return kind(why) if res.rc == rc else None

    return read


def stderr_says(kind: type[Unavailable], *words: str, whole: bool = False) -> Reader:
    """A reader: a failed command whose stderr holds one of `words` is `kind`, with the
    first line of stderr (`whole`: all of it) as its reason."""
    def read(res: CommandResult) -> Unavailable | None:
        err = res.error_text
        if res.rc == 0 or not any(w in err for w in words):
            return None
        return kind(err if whole else err.splitlines()[0])

    return read


def no_kernel_support(res: CommandResult) -> Absent | None:
    """An iptables backend that cannot be read here (no kernel support): it holds no rules."""
    s = res.error_text.lower()
    if res.rc != 0 and ("table does not exist" in s or "can't initialize" in s or "not supported" in s
                        or "protocol not supported" in s or "no such file or directory" in s and "/proc/net/" in s):
        return Absent(f"{' '.join(res.argv)}: no kernel support ({res.error_text.splitlines()[0]})")
    return None


# journalctl's words when this host keeps no journal at all (containers, no systemd)
NO_JOURNAL = ("No journal files were found", "Failed to add filter for units")
