"""The error types of the library: each says *why* a check could not reach a verdict."""

from __future__ import annotations


class DiagError(Exception):
    """Base of every error the library raises on purpose."""


class ParseError(DiagError):
    """Text a parser could not read. Carries the offending text so reports can show it."""

    def __init__(self, what: str, text: str | bytes = "") -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.what = what
        self.text = text
        excerpt = text if len(text) <= 400 else text[:400] + "..."
        super().__init__(f"{what}: {excerpt!r}" if text else what)


class ProbeError(DiagError):
    """A probe could not produce data: timed out, tool missing, command failed."""


class NeedsPrivilege(ProbeError):
    """The probe needs root and `sudo -n` could not get it: the check is skipped, never passed."""


class ExecFailed(ProbeError):
    """Multipass itself could not run a command inside the instance (`exec failed: ...`): the
    in-instance checks skip on it as a failed prerequisite (instance.shell.reachable reports it)."""

    def __init__(self, message: str, words: str) -> None:
        super().__init__(message)
        self.words = words


class CliFailed(ProbeError):
    """A Multipass CLI probe gave no data: it timed out (`timed_out`), the `multipass` command is
    not installed (`missing`), or it failed in the CLI's own words (`<verb> failed: <said>`; for
    several checks the daemon's words are the finding). The probe's interpretation decides it
    from the whole result, so no check or fact re-decides an exit code; `rc` is for messages."""

    def __init__(self, message: str, *, rc: int, timed_out: bool = False, missing: bool = False,
                 verb: str | None = None, said: str = "") -> None:
        super().__init__(message)
        self.rc = rc
        self.timed_out = timed_out
        self.missing = missing
        self.verb = verb    # "list" of `list failed: ...`; None when the CLI said it otherwise
        self.said = said    # the words after `<verb> failed: `, else all it printed

    @property
    def words(self) -> str:
        """What the CLI said, as it said it: `list failed: IP not available`."""
        return f"{self.verb} failed: {self.said}" if self.verb else self.said


class NotRecorded(ProbeError):
    """A replay bundle does not hold this probe: the checks that need it are skipped."""


class BundleError(DiagError):
    """A replay bundle is malformed; refused before any test runs."""


class InvalidName(DiagError):
    """An instance name Multipass would not accept (and that we will not pass to a command)."""
