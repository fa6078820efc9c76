"""The one scenario builder: `python scenarios/build.py [PLATFORM...]` (the outputs are committed).

Every scenario is one entry (a :class:`Scenario`) in `scenarios/<platform>/entries.py`:
what a recording of that machine holds, probe by probe, in the real formats (the
platform's renderers are `scenarios/<platform>/formats.py`), and the outcomes the suite
must reach on it. The builder writes each one through the bundle writer
(:class:`mpdiag.bundle.BundleWriter`), so a scenario is laid out exactly as `--record`
lays out a bundle; it takes every argv from the probe registry (a recording's argv is the
one the probe runs, through `sudo -n` where it needs root, through `multipass exec` inside
an instance) and every check ID from the catalog (an unknown ID is refused).

Adding a scenario: add an entry to the platform's `entries.py`, run this, commit the
directory it writes. The Linux scenarios are recordings of the lab (`--record`): the
builder does not write those.
"""

from __future__ import annotations

import inspect
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence, Union

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from mpdiag import catalog  # noqa: E402
from mpdiag.bundle import BundleWriter, Manifest  # noqa: E402
from mpdiag.multipass import exec_argv  # noqa: E402
from mpdiag.errors import DiagError, NotRecorded  # noqa: E402
from mpdiag.probes import ProbeContext, ProbeSession, load_all  # noqa: E402
from mpdiag.runner import CommandResult  # noqa: E402

BUILT = ("macos", "windows")


@dataclass(frozen=True)
class Out:
    """One probe's recorded result: stdout (text, or bytes as they were), rc, stderr, timeout."""

    stdout: str | bytes = ""
    rc: int = 0
    stderr: str = ""
    timed_out: bool = False
    params: Mapping[str, str] = field(default_factory=dict)
    argv: tuple[str, ...] | None = None  # only where the recording's argv differs from the registry's


Recorded = Union[Out, Sequence[Out]]  # a parameterised probe run with several params: one Out each


def recordings(value: Recorded) -> tuple[Out, ...]:
    """The Outs of one probe entry (one, or one per params)."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


@dataclass(frozen=True)
class Scenario:
    """One recorded machine: host probes, probes inside instances, the manifest, the outcomes.

    `outcomes` maps check IDs to what the suite must reach; checks of the platform left out
    are `passed` when `complete`, and instance checks are listed only where given."""

    platform: str
    about: str
    probes: Mapping[str, Recorded]
    outcomes: Mapping[str, str]
    instances: Mapping[str, Mapping[str, Recorded]] = field(default_factory=dict)
    os_version: str | None = None
    multipass_version: str | None = None
    recorded: str = "2026-11-20T10:00:00+00:00"
    extra: Mapping[str, object] = field(default_factory=dict)
    known_issues: tuple[int, ...] = ()  # the upstream issues diagnosis.json must name (mpdiag/known_issues.py)


def host_ids(platform: str) -> list[str]:
    """The platform's host checks, in the catalog's order."""
    return [c.id for c in catalog.CHECKS if c.platform == platform]


def expect(platform: str, **changes: str) -> dict[str, str]:
    """Every host check of the platform `passed`, then the changes (keyword names are the IDs
    without `<platform>.`, dots as `__`; instance checks by full ID through `also`)."""
    out = dict.fromkeys(host_ids(platform), "passed")
    for key, value in changes.items():
        cid = f"{platform}." + key.replace("__", ".")
        if cid not in catalog.BY_ID:
            raise KeyError(f"{cid} is not a check ID (mpdiag/catalog.py)")
        out[cid] = value
    return out


class _NoData:
    mode = "replay"

    def fetch(self, probe, ctx):
        raise NotRecorded(f"{probe.name}: the builder reads no probe")


def _made(command, platform: str, instance: str | None, params: Mapping[str, str]) -> Sequence[str] | None:
    """The argv template a probe's function makes on this platform; None where it cannot say."""
    try:
        return command(ProbeContext(ProbeSession(_NoData(), platform), params, instance, 1.0))
    except DiagError:
        return None


def argv_of(probe: str, platform: str, instance: str | None, params: Mapping[str, str]) -> tuple[str, ...]:
    """The argv a recording of this probe holds: the registry's template with its params,
    through `sudo -n` (a user's recording, not root's) where it needs root, through
    `multipass exec` inside an instance; a Python probe's is `python <name>`."""
    p = load_all()[probe]
    if p.call is not None:
        return ("python", probe)
    template = p.command
    if callable(template):  # made per platform (arping); the Multipass CLI's read other probes: as shown
        template = None if p.cli else _made(template, platform, instance, params)
        if template is None:
            return tuple(p.shows.split()) if p.shows else ()
    argv = [re.sub(r"\{(\w+)\}", lambda m: str(params.get(m[1], m[0])), str(a)) for a in (template or ())]
    if p.privileged and not p.instance and platform != "windows":
        argv = ["sudo", "-n", *argv]
    if p.instance:
        argv = exec_argv(instance or "", argv)
    return tuple(argv)


def _result(probe: str, platform: str, instance: str | None, out: Out) -> CommandResult:
    stdout = out.stdout if isinstance(out.stdout, bytes) else out.stdout.encode()
    argv = out.argv if out.argv is not None else argv_of(probe, platform, instance, out.params)
    return CommandResult(argv, out.rc, stdout, out.stderr.encode(), 0.0, out.timed_out)


def _write(writer: BundleWriter, probe: str, instance: str | None, result: CommandResult, params) -> None:
    """Through the writer: format 2's `write(name, instance, result, params)` keeps the params;
    format 1's writer keeps one file per name (the params only shaped the argv)."""
    if "params" in inspect.signature(writer.write).parameters:
        writer.write(probe, instance, result, dict(params))
    else:
        writer.write(probe, instance, result)


def build(name: str, s: Scenario, base: Path = HERE) -> Path:
    """Write one scenario directory under `base` (replacing it): the bundle, then its expected.json."""
    for cid in s.outcomes:
        if cid not in catalog.BY_ID:
            raise KeyError(f"{name}: {cid} is not a check ID (mpdiag/catalog.py)")
    for probe in [*s.probes, *(p for inst in s.instances.values() for p in inst)]:
        if probe not in load_all():
            raise KeyError(f"{name}: {probe} is not a probe (pytest --probes lists them)")
    root = base / s.platform / name
    if root.exists():
        shutil.rmtree(root)
    writer = BundleWriter(root)
    for probe, value in s.probes.items():
        for out in recordings(value):
            _write(writer, probe, None, _result(probe, s.platform, None, out), out.params)
    for instance, probes in s.instances.items():
        for probe, value in probes.items():
            for out in recordings(value):
                _write(writer, probe, instance, _result(probe, s.platform, instance, out), out.params)
    writer.finish(Manifest(platform=s.platform, recorded=s.recorded, os_version=s.os_version,
                           multipass_version=s.multipass_version, redacted=True,
                           extra={"about": s.about, **s.extra}))
    (root / "expected.json").write_text(json.dumps(dict(s.outcomes), indent=2) + "\n")
    if s.known_issues:
        (root / "known_issues.json").write_text(json.dumps(list(s.known_issues)) + "\n")
    return root


def entries(platform: str) -> dict[str, Scenario]:
    import importlib

    return importlib.import_module(f"scenarios.{platform}.entries").SCENARIOS


def main(platforms: list[str]) -> None:
    for platform in platforms or BUILT:
        built = entries(platform)
        for name, s in built.items():
            build(name, s)
        print(f"wrote {len(built)} {platform} scenarios under {HERE / platform}")


if __name__ == "__main__":
    main(sys.argv[1:])
