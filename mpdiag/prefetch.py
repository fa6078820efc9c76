"""Prefetch: before the first check, run every probe the selected checks will read, at once.

A live diagnosis otherwise waits on the *sum* of its probes (each runs when a check first
asks for it); with a prefetch it waits on about the slowest one. Checks are unchanged:
they read the session's memo as always, and a key still in flight is waited for, never
run twice (ProbeSession is thread-safe). What each check concludes is therefore what a
serial run concludes from the same probe outputs.

Which probes, without a hand-kept list per check:

- *names*: discovered from the code. The selected checks' functions, their fixtures and
  what they call (module functions, classes, transitively within the project's packages)
  name their probes as string literals (`check.probe("ping_gateway", ip=gw)`); the host
  model's modules for this platform are scanned the same way (every check reads it).
  A probe named only in a computed string is simply not prefetched: the check runs it
  when it asks, as before.
- *calls*: a probe without params is called as is (instance probes in the target, only
  when a check could exec there: Multipass lists it Running with an IPv4, so a stopped
  instance is never started by a prefetch). A probe with params is prefetched only through
  a rule (:data:`RULES`), which derives the params from the host model and the session's
  inputs the way the checks do, in rounds (a rule may wait for the probes it reads).
  A rule that guesses differently from its check costs time, never an answer.

Never prefetched: the launch and the DHCP capture (the --launch fixture runs them, and
nothing runs ahead of a launch: `multipass list` must show the launched instance). The one
action, the ARP check's alias on an instance the suite launched (alias_add, its arping,
alias_del), is taken ahead of the check as the check takes it, only once the probes that
would see it have their results (AFTER_ACTIONS). Everything else is read-only.

Bounded: at most `workers` probes at a time (daemon threads: an interrupted run never
waits for them), each with its own timeout; the rules wait for what they read on threads
of their own, never in a probe's place. A live run prefetches in the :class:`Background`,
beside the checks (each waits only for its own probes); its stop() on Ctrl-C kills every
probe in flight with its tree (runner.kill_running) and lets no prefetch thread start
another. Replay prefetches inline (a bundle read is a dict lookup: threads would only cost).
Instance commands started within BATCH_WINDOW of each other share one `multipass exec`
(mpdiag.exec_batch), each result kept as its own command ends. The instance probes without
params are claimed by the first batch before any rule runs: a rule reading the routes waits
for that batch instead of running an exec of its own beside it.

Longer than ~300 lines, as one concern: which probes (discovery), with which params (the
rules, each mirroring its check) and running them (the pools, the background) are read
together whenever a check changes what it reads.
"""

from __future__ import annotations

import importlib
import inspect
import queue
import threading
import time
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from mpdiag import host, runner
from mpdiag.errors import DiagError
from mpdiag.probes import _PLACEHOLDER, REGISTRY, Probe, ProbeSession

DEFAULT_WORKERS = 12  # probes mostly wait (on a network, on an instance): more than the cores
BATCH_WINDOW = 0.025  # s: instance probes started this close together share one exec
NEVER = frozenset({"multipass_launch", "dhcp_capture"})
PACKAGES = frozenset({"mpdiag", "fixtures", "tests_host", "tests_instance"})
LITERAL_BRACES = frozenset({"current", "default", "bootmgr"})  # bcdedit's entry identifiers, not params
MODEL = ("mpdiag.host", "mpdiag.host._multipass", "mpdiag.host._instance")


# ---- which probes: discovered from the code -----------------------------------------------

def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    """The strings of a constant: itself, or inside a (nested) tuple, list, set or dict."""
    if isinstance(value, str):
        yield value
    elif depth < 4 and isinstance(value, (tuple, list, set, frozenset)):
        for v in value:
            yield from _strings(v, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, depth + 1)
            yield from _strings(v, depth + 1)


def _ours(obj: Any, packages: frozenset[str]) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.partition(".")[0] in packages


def probes_named_by(roots: Iterable[Any], names: Iterable[str],
                    packages: frozenset[str] = PACKAGES) -> set[str]:
    """The probe names (of `names`) that the functions and classes in `roots`, and what they
    reach by global name or module attribute inside `packages`, spell as string literals."""
    wanted = set(names)
    found: set[str] = set()
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, type):
            if _ours(obj, packages):
                todo += [getattr(v, "fget", None) or getattr(v, "__func__", v) for v in vars(obj).values()]
            continue
        func = inspect.unwrap(obj) if callable(obj) else obj
        code = getattr(func, "__code__", None)
        if code is None or not _ours(func, packages):
            continue
        scope = getattr(func, "__globals__", {})
        for co in _codes(code):
            found.update(c for const in co.co_consts for c in _strings(const) if c in wanted)
            for name in co.co_names:
                target = scope.get(name)
                if target is REGISTRY:  # names every probe: reading it names none
                    continue
                if isinstance(target, (tuple, list, set, frozenset, dict)):  # a module's table of probes
                    found.update(c for c in _strings(target) if c in wanted)
                elif isinstance(target, types.ModuleType):
                    if target.__name__.partition(".")[0] in packages:
                        todo += [getattr(target, attr) for attr in co.co_names if hasattr(target, attr)]
                elif isinstance(target, (types.FunctionType, type)):
                    todo.append(target)
    return found


def model_probes(platform: str, names: Iterable[str]) -> set[str]:
    """What the host model may read on this platform (every check, the triage and the
    reports read it): the probes its modules name."""
    modules = [importlib.import_module(m) for m in (*MODEL, f"mpdiag.host._{platform}")]
    roots = [v for m in modules for v in vars(m).values()
             if isinstance(v, types.FunctionType) and v.__module__ == m.__name__]
    return probes_named_by(roots, names)


def _names_a_param(text: Any) -> bool:
    return isinstance(text, str) and any(m.group(1) not in LITERAL_BRACES for m in _PLACEHOLDER.finditer(text))


def takes_params(probe: Probe) -> bool:
    """Whether a call needs params: `{param}` in its argv, or its function reads ctx.params or
    makes an argv template with placeholders."""
    fn = probe.call if probe.call is not None else probe.command if callable(probe.command) else None
    if fn is not None:
        code = getattr(fn, "__code__", None)
        return code is None or any("params" in co.co_names or any(_names_a_param(c) for c in co.co_consts)
                                   for co in _codes(code))
    return any(_names_a_param(str(a)) for a in probe.command or ())


# ---- which calls: the target, and params the way the checks derive them -------------------

def _known(fn: Callable[[Any], Any], session: ProbeSession) -> Any:
    try:
        return fn(session)
    except DiagError:
        return None


def exec_target(session: ProbeSession) -> str | None:
    """The instance a check would exec into, mirroring InstanceView.require_running: the
    target, unless its launch failed or Multipass does not list it Running with an IPv4
    (then nothing runs there: exec would start it, or wait for an address)."""
    target = _known(host.target, session)
    if target is None:
        return None
    if target.launched:
        if _known(host.launch_failure, session) is not None:
            return None
    listing = _known(host.listing, session)
    if listing is None:
        return target.name  # replay without the list: the recorded in-instance probes still tell
    if not listing.ok:
        return None
    inst = _known(host.instance_listed, session)
    if inst is None or not inst.running:
        return None
    if not inst.ipv4 and _known(host.driver, session) != "virtualbox":
        return None
    return target.name


# Of param dicts (calls of the rule's own probe), or (name, params) for a call of another probe
# (the next step of a sequence: what an action makes possible, its undoing): a list, or a
# generator whose calls are submitted as they come.
Calls = Iterable
Rule = Callable[[ProbeSession, "str | None"], Calls]  # (session, the exec target or None) -> calls


def _instance_gateway(s: ProbeSession, t: str | None) -> Calls:
    gw = _known(host.instance_gateway, s)
    return [{"ip": gw}] if gw else []


def _dig_gateway(s: ProbeSession, t: str | None) -> Calls:
    gw = _known(host.instance_gateway, s)
    return [{"server": gw, "name": s.inputs.probe_name}] if gw else []


def https_target(value: str) -> tuple[str, str]:
    """`HOST[:PORT]` (--external-https) as (host, port), port 443 by default."""
    name, _, port = value.rpartition(":") if ":" in value else (value, "", "443")
    return name, port


def _resolved_names(s: ProbeSession, t: str | None) -> Calls:
    """The names the instance's resolver is asked for: the probe name (the DNS checks) and the
    HTTPS server's (the HTTPS check asks whether it resolves, once its handshake has failed)."""
    names = [s.inputs.probe_name, https_target(s.inputs.external_https)[0]]
    return [{"name": n} for n in dict.fromkeys(names)]


def _tls(s: ProbeSession, t: str | None) -> Calls:
    """The HTTPS check's handshake, beside the pings it waits for (it is bounded by its own
    TLS_HANDSHAKE_S, under the pings' worst case): only a check that skips leaves it unread."""
    from mpdiag.probes.egress import TLS_HANDSHAKE_S

    name, port = https_target(s.inputs.external_https)
    return [{"seconds": TLS_HANDSHAKE_S, "host": name, "port": port}]


def _ladder(s: ProbeSession, t: str | None) -> Calls:
    """The DF-ping ladder (tests_instance/test_3_way_out.py) to the gateway and the external
    IP, every size at once as soon as the link's MTU is known: the check walks down until a
    size comes back, and each rung that vanishes costs it a second; side by side in one exec
    (mpdiag.exec_batch), the rungs it never reads cost a few pings."""
    from mpdiag.host.rules import pmtu

    link = _known(host.primary_link, s)
    mtu = link.mtu if link is not None else None
    if mtu is None:
        return []
    targets = [x for x in (_known(host.instance_gateway, s), s.inputs.external_ip) if x]
    return [{"size": size, "target": x} for size in pmtu.sizes_for(mtu) for x in targets]


def _arping_targets(s: ProbeSession, t: str | None) -> tuple[str, str, list[str]] | None:
    """The ARP check's (tests_instance/test_4_arp.py) bridge, assigned address and existing extra
    addresses; None where the check will arping nothing (or they cannot be told yet)."""
    from mpdiag.host.rules import instance as facts
    from mpdiag.parse import iproute

    if t is None:  # the check reads the instance's addresses first: no exec, no arping
        return None
    ip = _known(host.instance_ip, s)
    link = _known(host.primary_link, s)
    target = _known(host.target, s)
    if ip is None or link is None or target is None:
        return None
    extras = [str(a.ip) for a in iproute.extra_ipv4(link, ip)]
    if not target.may_modify and not extras:
        return None
    try:
        if s.platform == "linux":
            ifaces = {n: lk.addresses for n, lk in s.get("host_ip_addr").items()}
        elif s.platform == "macos":
            ifaces = {n: i.inet for n, i in s.get("ifconfig").items()}
        else:
            return None
    except DiagError:
        return None
    found = facts.bridge_facing(ifaces, ip)
    return (found[0], ip, extras) if found else None


def _arping_assigned(s: ProbeSession, t: str | None) -> Calls:
    """The ARP check's control: the assigned address, from the host interface facing it."""
    found = _arping_targets(s, t)
    return [{"iface": found[0], "ip": found[1]}] if found else []


def _arp_alias(s: ProbeSession, t: str | None) -> dict | None:
    """The alias the ARP check adds on an instance the suite launched ({cidr, dev, ip}; None:
    none, or it cannot be told), chosen as the check chooses it (rules.instance.arp_alias)."""
    from mpdiag.host.rules import instance as facts

    target = _known(host.target, s)
    if t is None or target is None or not target.may_modify:
        return None
    link = _known(host.primary_link, s)
    if link is None or not link.addresses:
        return None
    taken = facts.taken_beside_the_link(_known(lambda x: x.get("multipass_list"), s) or [],
                                        _known(host.instance_gateway, s))
    mgmt = facts.management_ip(_known(host.instance_listed, s)) or str(link.addresses[0].ip)
    alias = facts.arp_alias(link, mgmt, taken)
    return {"cidr": alias[1], "dev": link.name, "ip": alias[0]} if alias else None


def _alias_add(s: ProbeSession, t: str | None) -> Calls:
    """The ARP check's alias on a launched instance, ahead of the check (which adds it anyway, on
    an instance it may change) and only AFTER_ACTIONS; once it is on, its arping, and once that
    has come back, its removal: the check's own sequence, each step read from the memo then."""
    found, alias = _arping_targets(s, t), _arp_alias(s, t)
    if not found or alias is None:
        return
    own = {"cidr": alias["cidr"], "dev": alias["dev"]}
    yield own
    try:
        added = s.result("alias_add", t, **own).rc == 0
    except DiagError:
        added = False
    if not added:  # the check errors there, and removes nothing
        return
    yield "arping", {"iface": found[0], "ip": alias["ip"]}
    try:
        s.result("arping", None, iface=found[0], ip=alias["ip"])
    except DiagError:
        pass
    yield "alias_del", own


def _arping_extras(s: ProbeSession, t: str | None) -> Calls:
    """The extra addresses the instance already has (an attached one's aliases): each asked for
    beside everything else, as each costs its 2 s when it does not answer. The alias the check
    adds on a launched instance is asked for after it is added (_alias_add)."""
    found = _arping_targets(s, t)
    return [{"iface": found[0], "ip": x} for x in found[2]] if found else []


def _dns_gateway(s: ProbeSession, t: str | None) -> Calls:
    """macOS: the bridge gateway's DNS, asked from the host (tests_host/macos/test_dns.py)."""
    if s.platform != "macos":  # the vmnet facts are macOS's: elsewhere they would run its commands
        return []
    net = _known(host.vmnet, s)
    gw = getattr(net, "gateway", None)
    return [{"server": str(gw), "name": s.inputs.probe_name}] if gw else []


def _first_running(s: ProbeSession, t: str | None) -> Calls:
    """macOS Local Network privacy (tests_host/macos/test_privacy.py): the user's ping to the
    first instance Running with an IPv4."""
    running = [i for i in (_known(host.instances, s) or []) if i.running and i.ipv4]
    return [{"ip": running[0].ipv4[0]}] if running else []


def _bridged_settings(s: ProbeSession, t: str | None) -> Calls:
    """`local.<instance>.bridged` (host.instance_bridged): the target's, and every listed
    instance's where no bridged network is set (host.bridging_in_use asks each)."""
    target = _known(host.target, s)
    names = [target.name] if target is not None else []
    if not _known(host.bridged_network, s):
        names += [i.name for i in (_known(host.instances, s) or []) if i.name not in names]
    return [{"vm": n} for n in names]


RULES: dict[str, Rule] = {
    "ping_gateway": _instance_gateway,
    "ping_external": lambda s, t: [{"ip": s.inputs.external_ip}],
    "dig_gateway": _dig_gateway,
    "dig_external": lambda s, t: [{"server": s.inputs.external_dns, "name": s.inputs.probe_name}],
    "resolve_name": _resolved_names,
    "tls_handshake": _tls,
    "ping_df": _ladder,
    "arping_assigned": _arping_assigned,
    "arping": _arping_extras,
    "alias_add": _alias_add,
    "dns_gateway": _dns_gateway,
    "ping_instance_user": _first_running,
    "multipass_instance_bridged": _bridged_settings,
}
# An action (only on an instance the suite launched: the ARP check's alias) is taken once the
# planned probes that would see what it changes have their results: as in a serial run, where
# the ARP check comes last, none of them sees it.
AFTER_ACTIONS: dict[str, tuple[str, ...]] = {"alias_add": ("ip_addr", "multipass_list", "multipass_info")}
# Started first, alone: the list (exec_target reads it: every instance probe waits for it) and
# the version (`multipass info`'s argv reads it); the driver, which only a list without an IPv4
# reads, starts with the rest (three CLI starts at once on a small host slow the list down).
FIRST = ("multipass_list", "multipass_version")
FIRST_ALONE = 0.5  # s the first probes run before the rest start beside them (a hung list holds nothing up longer)


# ---- running ---------------------------------------------------------------------------------

class Stopped(Exception):
    """A background prefetch was stopped (the run was interrupted, or it had nothing left to
    do for a check): what was in flight is killed. `done`: what it did until then."""

    done: "Prefetched | None" = None


@dataclass
class Prefetched:
    """What one prefetch did: the calls it ran (or found done), the rules that failed, its wall time."""

    names: frozenset[str] = frozenset()
    calls: list[tuple] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Pool:
    """At most `workers` jobs at a time on daemon threads; `workers=0` runs each job inline."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.jobs: queue.Queue = queue.Queue()
        self.pending = 0
        self.idle = threading.Condition()
        self.stopped = False
        self.threads = [threading.Thread(target=self._work, name=f"mpdiag-prefetch-{n}", daemon=True)
                        for n in range(workers)]
        for t in self.threads:
            t.start()

    def submit(self, job: Callable[[], None]) -> None:
        if self.workers == 0:
            if not self.stopped:
                job()
            return
        with self.idle:
            self.pending += 1
        self.jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            try:
                if not self.stopped:
                    job()
            finally:
                with self.idle:
                    self.pending -= 1
                    self.idle.notify_all()

    def wait(self, stop: threading.Event | None = None, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.idle:
            while self.pending and not (stop is not None and stop.is_set()):
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    return
                self.idle.wait(left)

    def close(self) -> None:
        self.stopped = True
        for _ in self.threads:
            self.jobs.put(None)


class _Batches:
    """The instance probes the prefetch starts within `window` of each other, one exec per
    instance (ProbeSession.run_held): the rules that wait for the same probe (the list, the
    routes) all start their calls at once, and each exec costs more than its command. A call
    is held from the moment it is added, so a check asking for it waits for its batch."""

    def __init__(self, session: ProbeSession, pool: _Pool, window: float = BATCH_WINDOW) -> None:
        self.session, self.pool, self.window = session, pool, window
        self.lock = threading.Lock()
        self.pending: dict[str, list[tuple]] = {}

    def add(self, name: str, instance: str, params: dict) -> None:
        if not self.session.hold(name, instance, params):
            return
        with self.lock:
            keys = self.pending.setdefault(instance, [])
            keys.append(ProbeSession.key(name, instance, params))
            first = len(keys) == 1
        if first:
            self.pool.submit(lambda: self._flush(instance))

    def _flush(self, instance: str) -> None:
        time.sleep(self.window)
        with self.lock:
            keys = self.pending.pop(instance, [])
        self.session.run_held(keys)

    def release(self) -> None:
        """What is still waiting for its batch (a stopped pool runs no flush) is let go."""
        with self.lock:
            keys = [k for ks in self.pending.values() for k in ks]
            self.pending.clear()
        self.session.release(keys)


def plan(session: ProbeSession, roots: Iterable[Any]) -> frozenset[str]:
    """The probe names to prefetch for checks whose functions (and fixtures) are `roots`."""
    registry = session.registry
    applicable = [n for n, p in registry.items() if session.platform in p.platforms and n not in NEVER]
    named = probes_named_by(roots, applicable) | model_probes(session.platform, applicable)
    return frozenset(n for n in named if not takes_params(registry[n]) or n in RULES)


def prefetch(session: ProbeSession, names: Iterable[str], workers: int | None = None,
             stop: threading.Event | None = None) -> Prefetched:
    """Run these probes (calls as described above) and return when every one has finished.
    Interrupted (KeyboardInterrupt here, or `stop` set from another thread), it kills what
    is in flight, starts nothing more, and re-raises (Stopped for `stop`).

    Two pools: `workers` threads run probes; the rules (which wait for the probes they read)
    run on threads of their own, so a waiting rule never holds a probe's place."""
    done = Prefetched(frozenset(names))
    if workers is None:
        # no more threads than probes: starting a thread beside the collection costs the first
        # probes their start (the first probes' prefetch has three)
        workers = 0 if session.mode == "replay" else min(DEFAULT_WORKERS, len(done.names))
    start = time.monotonic()
    ordered = sorted(done.names, key=lambda n: (n not in FIRST, session.registry[n].instance,
                                                takes_params(session.registry[n]), n))
    ruled = [n for n in ordered if session.registry[n].instance or takes_params(session.registry[n])]
    probes, rules = _Pool(workers), _Pool(min(workers, len(ruled)))
    can_batch = getattr(session.source, "can_batch", None) if workers else None
    batches = _Batches(session, probes) if can_batch is not None else None
    lock = threading.Lock()

    def fetch(name: str, instance: str | None, params: dict) -> None:
        key = ProbeSession.key(name, instance, params)
        with lock:
            if key in done.calls:
                return
            done.calls.append(key)
        if batches is not None and instance is not None and can_batch(session.registry[name]):
            batches.add(name, instance, params)
            return
        try:
            session.result(name, instance, **params)
        except DiagError:  # not recorded, or a command that cannot be built here: the check says
            pass

    plain = [n for n in ruled if not takes_params(session.registry[n])]  # instance probes without params
    plain_claimed = threading.Event()

    def claim_plain() -> None:
        """The instance probes without params, claimed at once (a batch holds them) before any
        rule reads one (the routes, the addresses): the rule then waits for the batch instead
        of running its own exec beside it."""
        try:
            target = exec_target(session)
            if target is not None:
                for name in plain:
                    if batches is not None and can_batch(session.registry[name]):
                        fetch(name, target, {})
                    else:
                        probes.submit(lambda n=name: fetch(n, target, {}))
        except Exception as exc:  # a mistake costs a prefetch, never the run
            with lock:
                done.problems.append(f"{', '.join(plain)}: {type(exc).__name__}: {exc}")
        finally:
            plain_claimed.set()

    def calls_of(name: str, probe: Probe) -> None:
        try:
            target = exec_target(session)
            if probe.instance and target is None:
                return
            instance = target if probe.instance else None
            while not plain_claimed.wait(0.1):
                if rules.stopped:
                    return
            for seen in AFTER_ACTIONS.get(name, ()):
                if seen in done.names:
                    try:
                        session.result(seen, target if session.registry[seen].instance else None)
                    except DiagError:
                        pass
            for call in RULES[name](session, target):
                called, params = call if isinstance(call, tuple) else (name, call)
                where = target if session.registry[called].instance else None
                probes.submit(lambda c=called, w=where, p=params: fetch(c, w, p))
        except Exception as exc:  # a rule's mistake costs a prefetch, never the run
            with lock:
                done.problems.append(f"{name}: {type(exc).__name__}: {exc}")

    try:
        firsts = [n for n in ordered if n in FIRST]
        for name in firsts:
            probes.submit(lambda n=name: fetch(n, None, {}))
        if len(firsts) < len(ordered):  # alone a moment: nothing started beside them slows what all wait for
            probes.wait(stop, FIRST_ALONE)
        if plain:
            rules.submit(claim_plain)
        else:
            plain_claimed.set()
        for name in ordered:
            if name in plain or name in firsts:
                continue
            if name in ruled:
                rules.submit(lambda n=name: calls_of(n, session.registry[n]))
            else:
                probes.submit(lambda n=name: fetch(n, None, {}))
        rules.wait(stop)  # every rule has submitted its calls
        probes.wait(stop)
        if stop is not None and stop.is_set():
            raise Stopped("the prefetch was stopped")
    except BaseException as exc:
        if isinstance(exc, Stopped):
            exc.done = done  # what it did until then, for the caller's record
        for pool in (probes, rules):
            pool.stopped = True
        session.refuse([t.ident for t in (*probes.threads, *rules.threads) if t.ident is not None])
        runner.kill_running()
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline and (probes.pending or rules.pending) and \
                any(t.is_alive() for t in (*probes.threads, *rules.threads)):
            time.sleep(0.05)
        runner.kill_running()  # one a worker started between the first kill and its refusal
        raise
    finally:
        probes.close()
        rules.close()
        if batches is not None:
            batches.release()
        done.seconds = time.monotonic() - start
    return done


class Background:
    """A prefetch beside the checks: they start at once, each reading what the prefetch has
    finished and waiting for what it has in flight (never running a probe twice), so the
    checks' own time overlaps the probes' instead of following them. `finish()` before the
    reports drops what no check waited for; `stop()` on an interrupt kills what is in flight."""

    def __init__(self, session: ProbeSession, names: Iterable[str], workers: int | None = None) -> None:
        self.session, self.names, self.workers = session, frozenset(names), workers
        self.done: Prefetched | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mpdiag-prefetch", daemon=True)

    def start(self) -> "Background":
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.done = prefetch(self.session, self.names, self.workers, stop=self._stop)
        except Stopped as exc:
            self.done = exc.done

    def finish(self) -> Prefetched | None:
        """Once every check has run: what the prefetch did. A probe still in flight then was
        read by no check (a rule's guess, the way-out probes of a broken network): it is
        killed and dropped (ProbeSession.abandon_inflight), not waited for."""
        if self._thread.is_alive():
            self.session.abandon_inflight()
            self.stop()
        return self.done

    def stop(self) -> None:
        """From the thread that goes on (the run's): kill what is in flight, let no prefetch
        thread start anything more, and return once the prefetch has let go."""
        self.session.only(threading.get_ident())
        self._stop.set()
        runner.kill_running()
        self._thread.join(5.0)
        runner.kill_running()  # one a thread started between its check and the first kill
