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


class NotRecorded(ProbeError):
    """A replay bundle does not hold this probe: the checks that need it are skipped."""


class BundleError(DiagError):
    """A replay bundle is malformed; refused before any test runs."""


class InvalidName(DiagError):
    """An instance name Multipass would not accept (and that we will not pass to a command)."""
