"""Where a probe's result comes from: this machine (:class:`LiveSource`: a command, bounded in
time and output, or a Python call), a replay bundle (:class:`ReplaySource`), or either of them
while a bundle is written (:class:`RecordingSource`). A remote host's source is mpdiag.ssh's.
Each gives the whole :class:`~mpdiag.runner.CommandResult`; the probe interprets it."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence

from mpdiag import exec_batch, runner
from mpdiag.bundle import Bundle, BundleWriter
from mpdiag.errors import BundleError, NotRecorded
from mpdiag.multipass import exec_argv
from mpdiag.runner import CommandResult

if TYPE_CHECKING:
    from mpdiag.probes import Probe, ProbeContext


class Source(Protocol):
    mode: str

    def fetch(self, probe: Probe, ctx: ProbeContext) -> CommandResult: ...


Done = Callable[[int, CommandResult], None]  # (index of the call, its result), as each result comes


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def render_argv(template: Sequence[Any], params: Mapping[str, Any]) -> list[str]:
    """An argv template with its `{param}` placeholders filled from the call's params.

    Only whole `{name}` placeholders of a param given are replaced; every other brace
    stays literal, so `bcdedit /enum {current}` is run as written (str.format would
    raise KeyError), and a value is inserted as is, never formatted again."""
    def fill(m: "re.Match[str]") -> str:
        name = m.group(1)
        return str(params[name]) if name in params else m.group(0)

    return [_PLACEHOLDER.sub(fill, str(a)) for a in template]


class LiveSource:
    """Runs probes on this machine (host probes) or through `multipass exec` (instance probes),
    each bounded by the timeout and by `output_cap` bytes of stdout and of stderr."""

    mode = "live"

    def __init__(self, output_cap: int = runner.DEFAULT_OUTPUT_CAP) -> None:
        self.output_cap = output_cap

    def argv(self, probe: Probe, ctx: ProbeContext) -> list[str]:
        """The argv this probe runs here (after sudo and `multipass exec` wrapping)."""
        template = probe.command(ctx) if callable(probe.command) else probe.command
        argv = render_argv(template or (), ctx.params)
        if probe.privileged and not probe.instance:
            argv = runner.privileged(argv)
        if probe.instance:
            argv = exec_argv(ctx.instance or "", argv)
        return argv

    def fetch(self, probe: Probe, ctx: ProbeContext) -> CommandResult:
        if probe.call is not None:
            return _call(probe, ctx, self.output_cap)
        return runner.run(self.argv(probe, ctx), ctx.timeout, output_cap=self.output_cap)

    @staticmethod
    def can_batch(probe: Probe) -> bool:
        """An instance command of a fixed template under the session's timeout: it can share an exec."""
        return probe.instance and probe.call is None and not callable(probe.command) and probe.budget is None

    def fetch_together(self, items: Sequence[tuple[Probe, ProbeContext]], done: Done) -> list[int]:
        """Probes of one instance (each can_batch) in one `multipass exec` (mpdiag.exec_batch),
        `done` called as each ends; returns the indices left to fetch one by one."""
        commands = [render_argv(probe.command or (), ctx.params) for probe, ctx in items]  # type: ignore[arg-type]
        timeout = max(ctx.timeout for _, ctx in items)
        return exec_batch.run(items[0][1].instance or "", commands, timeout, done, self.output_cap)


def _call(probe: Probe, ctx: ProbeContext, output_cap: int = runner.DEFAULT_OUTPUT_CAP) -> CommandResult:
    """A Python probe, bounded by the timeout like a command; its result is JSON text."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = probe.call(ctx)  # type: ignore[misc]
        except Exception as exc:  # the probe's failure is data for the check, not a crash
            box["error"] = f"{type(exc).__name__}: {exc}"

    start = time.monotonic()
    t = threading.Thread(target=target, daemon=True, name=f"probe-{probe.name}")
    t.start()
    t.join(ctx.timeout)
    argv = ("python", probe.name)
    took = time.monotonic() - start
    if t.is_alive():
        return CommandResult(argv, -1, b"", b"", took, timed_out=True)
    if "error" in box:
        err = box["error"].encode()
        return CommandResult(argv, 1, b"", err[:output_cap], took, truncated=len(err) > output_cap)
    out = json.dumps(box["value"], sort_keys=True).encode()
    return CommandResult(argv, 0, out[:output_cap], b"", took, truncated=len(out) > output_cap)


class ReplaySource:
    """Reads probes from a bundle; a probe the bundle lacks is 'not recorded'."""

    mode = "replay"

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle

    def fetch(self, probe: Probe, ctx: ProbeContext) -> CommandResult:
        result = self.bundle.result(probe.name, ctx.instance, ctx.params)
        if result is None:
            where = f"instance {ctx.instance!r} of " if ctx.instance else ""
            called = " with " + ", ".join(f"{k}={v}" for k, v in sorted(ctx.params.items())) if ctx.params else ""
            raise NotRecorded(f"probe {probe.name!r}{called} is not recorded in {where}bundle {self.bundle.source}")
        return result


class RecordingSource:
    """Wraps another source and writes every result, with its params, into a bundle
    directory. A call the bundle could not hold (a param no file name can carry) is
    still answered; `unrecorded` says which, and the manifest lists them."""

    def __init__(self, inner: Source, writer: BundleWriter) -> None:
        self.inner = inner
        self.writer = writer
        self.mode = inner.mode
        self.unrecorded: list[str] = []

    def fetch(self, probe: Probe, ctx: ProbeContext) -> CommandResult:
        result = self.inner.fetch(probe, ctx)
        if ctx.session.is_abandoned(ctx.session.key(probe.name, ctx.instance, ctx.params)):
            return result  # the session drops it: no check read it, the bundle does not hold it
        return self.record(probe, ctx, result)

    def can_batch(self, probe: Probe) -> bool:
        return bool(getattr(self.inner, "can_batch", lambda p: False)(probe))

    def fetch_together(self, items: Sequence[tuple[Probe, ProbeContext]], done: Done) -> list[int]:
        """The inner source's batch, each result written as it comes (unless the session dropped it)."""
        def record(index: int, result: CommandResult) -> None:
            probe, ctx = items[index]
            if not ctx.session.is_abandoned(ctx.session.key(probe.name, ctx.instance, ctx.params)):
                self.record(probe, ctx, result)
            done(index, result)

        return self.inner.fetch_together(items, record)  # type: ignore[attr-defined]

    def record(self, probe: Probe, ctx: ProbeContext, result: CommandResult) -> CommandResult:
        """Write one result into the bundle (also one gathered beside the source: ProbeSession.provide)."""
        try:
            self.writer.write(probe.name, ctx.instance, result, ctx.params)
        except BundleError as exc:
            self.unrecorded.append(f"{probe.name}: {exc}")
        return result
