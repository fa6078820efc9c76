"""Probes: named, stable sources of one fact each, run at most once per session.

A probe is a command (or a Python call with a JSON result) plus its parser. Checks
ask the :class:`ProbeSession` for a probe by name and get parsed data, or one of
the errors that say why there is none (:class:`NeedsPrivilege`, :class:`NotRecorded`,
:class:`ProbeError`, :class:`ParseError`). Where the data comes from — this machine,
an instance, a replay bundle — is the session's *source*.

The sources live in mpdiag.probes.sources. Longer than ~300 lines on purpose: the Probe (how
its whole result becomes a value or a typed error) and the thread-safe memoising session are
the one contract every source, fact and check relies on.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, NoReturn, Sequence

from mpdiag.errors import CliFailed, DiagError, ExecFailed, NeedsPrivilege, ProbeError
from mpdiag.parse.multipass import cli_failure
from mpdiag.parse.unavailable import Reader, tool_missing
from mpdiag.probes.sources import (_PLACEHOLDER, LiveSource, RecordingSource, ReplaySource,  # noqa: F401 - the API
                                   Source, render_argv)
from mpdiag.runner import CommandResult

ALL_PLATFORMS = frozenset({"macos", "windows", "linux"})


@dataclass(frozen=True)
class Probe:
    """One named fact. `command` is an argv template (`{param}` filled from the call's
    params) or a function of the context; `call` makes it a Python probe instead."""

    name: str
    platforms: frozenset[str]
    parse: Callable[[str], Any]  # the parser of its text, imported by the probe module
    command: Sequence[str] | Callable[["ProbeContext"], Sequence[str]] | None = None
    call: Callable[["ProbeContext"], Any] | None = None
    shows: str = ""  # how the command reads in `--probes` when `command` is a function
    privileged: bool = False
    instance: bool = False
    data_rcs: frozenset[int] = frozenset({0})
    description: str = ""
    budget: Callable[["ProbeSession"], float] | None = None  # its own timeout (the launch's), else the session's
    # readers of the whole result that say "absent / denied / tool missing" (mpdiag.parse.unavailable):
    # the first that recognises the result gives the probe's value, before any exit code is judged
    readers: tuple[Reader, ...] = ()
    # its command is the Multipass CLI: no data raises CliFailed, typed (timed out, not installed,
    # the CLI's own words), for the checks whose finding that is
    cli: bool = False

    def __post_init__(self) -> None:
        if not callable(self.parse):
            raise TypeError(f"probe {self.name!r}: parse must be the parser function itself (imported by "
                            f"the probe module), not {self.parse!r}")

    @property
    def display(self) -> str:
        if self.shows:
            return self.shows
        if self.call is not None:
            return f"(python) {self.description}"
        return " ".join(self.command or ())

    def parser(self) -> Callable[[str], Any]:
        return self.parse

    def interpret(self, res: CommandResult, timeout: float) -> Any:
        """The probe's value from its whole result: the parsed text, a typed
        :class:`~mpdiag.parse.unavailable.Unavailable` one of its readers recognised, or
        the error that says why there is neither (timed out, sudo wants a password, the
        command failed or is not found, `multipass exec` failed)."""
        argv = " ".join(res.argv) or self.display
        if res.timed_out:
            self._fail(res, f"probe {self.name} timed out after {timeout:g} s ({argv})")
        if res.sudo_refused and tuple(res.argv[:1]) == ("ssh",):  # on a --hosts host: sudo -v here is no help
            raise NeedsPrivilege(
                f"probe {self.name} needs root on the remote host and its `sudo -n` asked for a password: "
                f"connect as root (ssh://root@...), or let the user run the doctor's commands with sudo NOPASSWD")
        if res.sudo_refused:
            raise NeedsPrivilege(
                f"probe {self.name} needs root and `sudo -n` asked for a password: run `sudo -v` first "
                f"(then pytest within sudo's timeout), or run pytest as root")
        for read in self.readers:
            found = read(res)
            if found is not None:
                return found
        if res.rc == 127:
            self._fail(res, f"probe {self.name}: command not found ({argv}): {res.error_text}")
        if self.instance:
            failure = cli_failure(res.error_text)
            if failure and failure[0] in ("exec", "shell") and res.rc in (1, 2, 255):
                raise ExecFailed(f"probe {self.name}: multipass {failure[0]} failed: {failure[1]}",
                                 f"{failure[0]} failed: {failure[1]}")
        if res.rc not in self.data_rcs:
            detail = res.error_text or res.text.strip()
            self._fail(res, f"probe {self.name} failed with exit code {res.rc} ({argv}): {detail[:500]}")
        return self.parse(res.text)

    def _fail(self, res: CommandResult, message: str) -> NoReturn:
        """No data: a ProbeError, typed for a Multipass CLI probe (CliFailed: its own words)."""
        if not self.cli:
            raise ProbeError(message)
        failure = cli_failure(res.error_text)
        raise CliFailed(message, rc=res.rc, timed_out=res.timed_out,
                        missing=not res.timed_out and tool_missing(res) is not None,
                        verb=failure[0] if failure else None,
                        said=failure[1] if failure else (res.error_text or res.text.strip()))


REGISTRY: dict[str, Probe] = {}


def register(*probes: Probe) -> None:
    """Add probes to the registry; a name is registered once (names are a contract)."""
    for p in probes:
        if p.name in REGISTRY:
            raise ValueError(f"probe {p.name!r} registered twice")
        REGISTRY[p.name] = p


_MODULES = {None: ("common", "instance", "egress"), "macos": ("macos",), "windows": ("windows",),
            "linux": ("linux", "linux_env")}  # the probe modules: every platform's, then each one's own


def load(platform: str | None) -> dict[str, Probe]:
    """Import the probe modules of one platform and those every platform shares (a run on
    Linux never pays for the macOS and Windows parsers); returns the registry."""
    for mod in (*_MODULES[None], *_MODULES.get(platform, ())):
        try:
            importlib.import_module(f"mpdiag.probes.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mpdiag.probes.{mod}":
                raise
    return REGISTRY


def load_all() -> dict[str, Probe]:
    """Import every platform's probe modules; returns the registry."""
    for platform in ("macos", "windows", "linux"):
        load(platform)
    return REGISTRY


@dataclass
class ProbeContext:
    """What a probe's command or call may read: its params, other probes, the timeout."""

    session: "ProbeSession"
    params: Mapping[str, Any]
    instance: str | None
    timeout: float

    def get(self, name: str, /, **params: Any) -> Any:
        return self.session.get(name, **params)


@dataclass(frozen=True)
class SessionInputs:
    """What the user chose, given once at session start: the instance to look at
    (`--instance`), the one this session launches (`--launch`: its name, image and
    timeout), and the external address, DNS server, name and HTTPS server the instance
    checks use.
    The host model reads them; nothing writes them later."""

    instance: str | None = None
    launch: str | None = None
    launch_timeout: int = 300
    image: str | None = None
    external_ip: str = "1.1.1.1"
    external_dns: str = "1.1.1.1"
    probe_name: str = "google.ie"
    external_https: str = "cloud-images.ubuntu.com:443"


@dataclass
class ProbeSession:
    """Memoised access to probes for one test session: each (probe, instance, params)
    runs once; its result, value or error is kept. Derived facts (mpdiag.host) are
    memoised here too, by name, with the probes they read.

    Thread-safe, so a prefetch pool (mpdiag.prefetch) can run probes while a check reads
    them: a key is run by the first thread that asks, and any other thread asking for it
    meanwhile waits for that run instead of starting its own. No lock is held while a
    probe runs. A fact is computed by one thread (it may wait on a probe in flight; a
    probe's command reads probes, never facts)."""

    source: Source
    platform: str
    timeout: float = 8.0
    registry: Mapping[str, Probe] = field(default_factory=lambda: REGISTRY)  # the platform's, loaded below
    inputs: SessionInputs = field(default_factory=SessionInputs)
    executions: int = 0
    results: dict[tuple, CommandResult] = field(default_factory=dict)
    _values: dict[tuple, tuple[bool, Any]] = field(default_factory=dict)
    _facts: dict[str, tuple[bool, Any, tuple]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)  # the maps above; never held while a probe runs
    _fact_locks: dict[str, threading.RLock] = field(default_factory=dict)  # a fact is computed once
    _inflight: dict[tuple, threading.Event] = field(default_factory=dict)  # keys some thread is running now
    _deps: dict[tuple, tuple] = field(default_factory=dict)  # the probe keys a probe's own command read
    _local: threading.local = field(default_factory=threading.local)  # this thread's reading frames
    _refused: set = field(default_factory=set)  # threads that may start no probe (an interrupted prefetch's)
    _only: int | None = None  # when set, the one thread that may still start probes (a stopped prefetch's run)
    _abandoned: set = field(default_factory=set)  # keys whose result is dropped when it comes (nothing reads it)
    _held: dict = field(default_factory=dict)  # key -> (name, instance, params): claimed for a batch (hold)

    def __post_init__(self) -> None:
        if self.registry is REGISTRY:
            load(self.platform)

    @property
    def mode(self) -> str:
        return self.source.mode

    def probe(self, name: str) -> Probe:
        """The probe by name; one of another platform is loaded when first asked for (it runs as
        any probe: a macOS command on Linux is not found)."""
        found = self.registry.get(name)
        if found is None and self.registry is REGISTRY:
            found = load_all().get(name)
        if found is None:
            raise ProbeError(f"no probe named {name!r}")
        return found

    @property
    def _reading(self) -> list[set]:
        """The probe keys each fact (or check) being computed in this thread reads."""
        frames = getattr(self._local, "frames", None)
        if frames is None:
            frames = self._local.frames = []
        return frames

    def _note(self, *keys: tuple) -> None:
        frames = self._reading
        if not frames:
            return
        with self._lock:
            keys = keys + tuple(d for k in keys for d in self._deps.get(k, ()))
        for frame in frames:
            frame.update(keys)

    @staticmethod
    def key(name: str, instance: str | None = None, params: Mapping[str, Any] | None = None) -> tuple:
        """The memo key of one probe call."""
        return (name, instance, tuple(sorted((params or {}).items())))

    def result(self, name: str, /, instance: str | None = None, **params: Any) -> CommandResult:
        """The raw result of a probe (run once)."""
        key = (name, instance, tuple(sorted(params.items())))
        self._note(key)
        res = self._fetch(key, name, instance, params)
        self._note(key)  # now with what its command read
        return res

    def done(self, key: tuple) -> bool:
        """Whether this probe call has a result already (no run is started)."""
        with self._lock:
            return key in self.results

    def refuse(self, threads: Sequence[int]) -> None:
        """These threads start no probe from now on (ProbeError): an interrupted prefetch's
        workers must not start what nothing will wait for."""
        with self._lock:
            self._refused.update(threads)

    def only(self, thread: int) -> None:
        """From now on only this thread starts probes (ProbeError in any other): a stopped
        background prefetch's threads must start nothing the run would leave behind."""
        with self._lock:
            self._only = thread

    def abandon_inflight(self) -> list[tuple]:
        """The run goes on alone (the calling thread, see only()) and drops what other threads
        have in flight now: each such result, when it comes, is neither kept nor recorded (every
        check has finished: nothing reads it). Returns those keys; the caller kills them."""
        with self._lock:
            self._only = threading.get_ident()
            keys = list(self._inflight)
            self._abandoned.update(keys)
        return keys

    def is_abandoned(self, key: tuple) -> bool:
        with self._lock:
            return key in self._abandoned

    def _may_start(self) -> bool:
        """Whether this thread may start a probe (see refuse() and only())."""
        ident = threading.get_ident()
        return not ((self._refused and ident in self._refused) or (self._only is not None and ident != self._only))

    def _fetch(self, key: tuple, name: str, instance: str | None, params: dict) -> CommandResult:
        if not self._may_start():
            raise ProbeError(f"probe {name}: not started, the run was interrupted")
        while True:
            with self._lock:
                if key in self.results:
                    return self.results[key]
                running = self._inflight.get(key)
                if running is None:
                    running = self._inflight[key] = threading.Event()
                    break
            running.wait()  # another thread runs it: its result, or (it raised) our own try
        try:
            p = self.probe(name)
            timeout = p.budget(self) if p.budget is not None else self.timeout
            ctx = ProbeContext(self, params, instance, timeout)
            frames = self._reading
            frames.append(set())  # what the probe's own command reads (multipass_info: the version)
            try:
                res = self.source.fetch(p, ctx)  # NotRecorded is no execution
            finally:
                deps = tuple(frames.pop())
            with self._lock:
                self.executions += 1
                if key in self._abandoned:
                    raise ProbeError(f"probe {name}: abandoned, the run ended before it did")
                self.results[key] = res
                self._deps[key] = deps
            return res
        finally:
            with self._lock:
                del self._inflight[key]
            running.set()

    def run_at_once(self, calls: Sequence[tuple[str, str | None, Mapping[str, Any]]]) -> None:
        """Run these probe calls side by side (a thread each for those not done yet; one in
        flight is waited for) and return when each has its result: whoever reads them next
        waits for none in turn. Errors are the readers' (get()); a replay only looks them up."""
        if self.mode == "replay" or len(calls) < 2:
            return

        def one(name: str, instance: str | None, params: Mapping[str, Any]) -> None:
            try:
                self.result(name, instance, **params)
            except DiagError:
                pass

        threads = [threading.Thread(target=one, args=c, name=f"mpdiag-{c[0]}", daemon=True) for c in calls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def hold(self, name: str, instance: str | None, params: Mapping[str, Any]) -> bool:
        """Claim a call whose result comes later (a batch about to run: run_held; a result
        given beside the source: provide): a thread asking for it meanwhile waits for that
        instead of running it. False when it is done or in flight."""
        key = self.key(name, instance, params)
        with self._lock:
            if key in self.results or key in self._inflight:
                return False
            self._inflight[key] = threading.Event()
            self._held[key] = (name, instance, dict(params))
        return True

    def release(self, keys: Iterable[tuple]) -> None:
        """Held calls that will not run in a batch: whoever waits for one runs it (see _fetch)."""
        with self._lock:
            events = [self._unhold(k) for k in keys]
        for event in events:
            if event is not None:
                event.set()

    def _unhold(self, key: tuple) -> threading.Event | None:
        """(Under the lock.) A held call lets go: the event its waiters wait on, None when not held."""
        return self._inflight.pop(key, None) if self._held.pop(key, None) is not None else None

    def run_held(self, keys: Sequence[tuple]) -> None:
        """Run held calls of one instance in one go where the source can (one `multipass exec`:
        Source.fetch_together). Each result is kept the moment it comes, exactly as result()
        keeps it; a call the batch did not give is released, and run alone here. Errors are
        the checks' to read (get()), not raised here."""
        with self._lock:
            calls = [(k, self._held[k]) for k in keys if k in self._held]
        items = [(key, self.probe(name), ProbeContext(self, params, instance, self.timeout))
                 for key, (name, instance, params) in calls]
        can_batch = getattr(self.source, "can_batch", None)
        if len(items) > 1 and self._may_start() and can_batch is not None and len({c[1][1] for c in calls}) == 1 \
                and all(can_batch(p) for _, p, _ in items):
            def arrived(index: int, res: CommandResult) -> None:
                key = items[index][0]
                with self._lock:
                    self.executions += 1
                    if key not in self._abandoned:
                        self.results[key] = res
                        self._deps[key] = ()
                    event = self._unhold(key)
                if event is not None:
                    event.set()

            try:
                self.source.fetch_together([(p, ctx) for _, p, ctx in items], arrived)  # type: ignore[attr-defined]
            finally:
                self.release([key for key, _ in calls])
        else:
            self.release([key for key, _ in calls])
        for key, (name, instance, params) in calls:
            if self.is_abandoned(key):
                continue
            try:
                self.result(name, instance, **params)  # a lookup for what the batch gave; the rest run here
            except DiagError:
                pass

    def provide(self, name: str, result: CommandResult, /, instance: str | None = None, **params: Any) -> None:
        """A probe's result gathered beside the source, not by it (the DHCP capture taken while
        the launch runs): kept as the probe's result, read like any other, and written into
        the bundle when this session records. A probe already run is never replaced; one held
        for it (hold(): its result comes later) is given to whoever waits for it."""
        key = (name, instance, tuple(sorted(params.items())))
        with self._lock:
            if key in self.results:
                raise ProbeError(f"probe {name!r} already has a result in this session")
            p = self.probe(name)
            self.results[key] = result
            record = getattr(self.source, "record", None)
            if record is not None:
                record(p, ProbeContext(self, params, instance, self.timeout), result)
            event = self._unhold(key)
        if event is not None:
            event.set()

    def get(self, name: str, /, instance: str | None = None, **params: Any) -> Any:
        """The parsed value of a probe, or the error that says why there is none (memoised)."""
        key = (name, instance, tuple(sorted(params.items())))
        self._note(key)
        with self._lock:
            memo = self._values.get(key)
        if memo is None:
            try:
                memo = (True, self._interpret(name, instance, params))
            except Exception as exc:
                memo = (False, exc)
            with self._lock:
                memo = self._values.setdefault(key, memo)  # a parser is pure: the first one kept wins
        self._note(key)
        ok, value = memo
        if not ok:
            raise value
        return value

    def fact(self, name: str, compute: Callable[[], Any]) -> Any:
        """A derived fact, computed once from probes (its value or its error is kept). Each
        fact has its own lock: a fact waiting on a probe in flight holds up only the threads
        asking for that fact (facts do not depend on each other in a cycle)."""
        with self._lock:
            memo = self._facts.get(name)
            lock = self._fact_locks.setdefault(name, threading.RLock()) if memo is None else None
        if lock is not None:
            with lock:
                with self._lock:
                    memo = self._facts.get(name)
                if memo is None:
                    frames = self._reading
                    frames.append(set())
                    try:
                        value, ok = compute(), True
                    except Exception as exc:
                        value, ok = exc, False
                    finally:
                        deps = tuple(frames.pop())
                    memo = (ok, value, deps)
                    with self._lock:
                        self._facts[name] = memo
        ok, value, deps = memo
        self._note(*deps)
        if not ok:
            raise value
        return value

    def fact_probes(self) -> dict[str, tuple]:
        """Each fact computed so far and the probe keys it read."""
        with self._lock:
            return {name: deps for name, (_, _, deps) in self._facts.items()}

    @contextlib.contextmanager
    def reading(self) -> Iterator[set]:
        """Collects the probe keys (name, instance, params) read inside the block in this
        thread, also those behind the facts it reads: a check's report shows the probes its
        answer came from."""
        keys: set = set()
        frames = self._reading
        frames.append(keys)
        try:
            yield keys
        finally:
            frames[:] = [frame for frame in frames if frame is not keys]

    def recorded_instances(self) -> list[str]:
        """The instances a replayed bundle holds in-instance probes for ([] live)."""
        bundle = getattr(self.source, "bundle", None) or getattr(getattr(self.source, "inner", None), "bundle", None)
        return bundle.instances() if bundle is not None else []

    def _interpret(self, name: str, instance: str | None, params: dict) -> Any:
        return self.probe(name).interpret(self.result(name, instance, **params), self.timeout)
