"""The Multipass CLI as the suite calls it: safe names, exec argv, version differences."""

from __future__ import annotations

import re
from typing import Sequence

from mpdiag.errors import InvalidName

CLI = "multipass"
_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)

# Releases up to 1.16 re-run an exec whose remote command exits 4 forever (#3771):
# every command we exec is wrapped so 4 becomes 104.
_NO_EXIT_4 = 'rc=0; "$@" || rc=$?; if [ "$rc" -eq 4 ]; then exit 104; fi; exit "$rc"'


def validate_name(name: str) -> str:
    """An instance name as Multipass accepts it; anything else is refused before any command."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidName(
            f"{name!r} is not a valid instance name (letters, digits and hyphens, starting with a letter, "
            "not ending with a hyphen, at most 63 characters)")
    return name


def guarded(argv: Sequence[str]) -> list[str]:
    """`sh -c <guard> sh argv...`: argv as an instance runs it, its exit 4 read as 104."""
    return ["sh", "-c", _NO_EXIT_4, "sh", *argv]


def exec_argv(name: str, argv: Sequence[str]) -> list[str]:
    """`multipass exec NAME -- sh -c <guard> sh argv...`: exit 4 never reaches the client."""
    return [CLI, "exec", validate_name(name), "--", *guarded(argv)]


def info_argv(version: tuple[int, int, int] | None) -> list[str]:
    """`info` for every instance: `--all` is required up to 1.12 and an error on main."""
    argv = [CLI, "info", "--format", "json"]
    if version is not None and version < (1, 13, 0):
        argv.insert(2, "--all")
    return argv


def unwrap_exit(rc: int) -> int:
    """The remote command's own exit code (undo the exit-4 guard)."""
    return 4 if rc == 104 else rc
