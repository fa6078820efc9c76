"""Replay bundles: every probe's output, recorded on the user's machine, replayed anywhere.

Layout (format 1)::

    manifest.json                      {"format": 1, "platform": "macos", "recorded": ..., ...}
    probes/<probe>.out                 stdout, byte for byte
    probes/<probe>.json                optional {"argv", "rc", "stderr", "timed_out"}; absent = rc 0
    instances/<name>/probes/<probe>.out (+ .json)

A bundle is read whole and validated up front: a malformed one is refused with one
message naming the problem, before any check runs.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mpdiag.catalog import PLATFORMS
from mpdiag.errors import BundleError, InvalidName
from mpdiag.multipass import validate_name
from mpdiag.runner import CommandResult

FORMAT = 1
MAX_BUNDLE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    """What a bundle says about the machine it was recorded on."""

    platform: str
    format: int = FORMAT
    recorded: str | None = None
    os_version: str | None = None
    multipass_version: str | None = None
    redacted: bool = False
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = {"format": self.format, "platform": self.platform, "recorded": self.recorded,
                "os_version": self.os_version, "multipass_version": self.multipass_version,
                "redacted": self.redacted}
        data.update(self.extra)
        return data


@dataclass(frozen=True)
class Bundle:
    """A validated bundle held in memory: `(instance or None, probe) -> CommandResult`."""

    source: str
    manifest: Manifest
    results: dict[tuple[str | None, str], CommandResult]

    @property
    def platform(self) -> str:
        return self.manifest.platform

    def result(self, probe: str, instance: str | None = None) -> CommandResult | None:
        return self.results.get((instance, probe))

    def instances(self) -> list[str]:
        return sorted({i for i, _ in self.results if i is not None})

    def probes(self, instance: str | None = None) -> list[str]:
        return sorted(p for i, p in self.results if i == instance)


def open_bundle(path: str | Path) -> Bundle:
    """Read and validate a bundle directory or `.tar.gz`; BundleError names what is wrong."""
    p = Path(path).expanduser()
    if not p.exists():
        raise BundleError(f"replay bundle {p} does not exist")
    files = _read_dir(p) if p.is_dir() else _read_tar(p)
    return _build(str(p), files)


def _read_dir(root: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root).as_posix()
        if f.is_symlink():
            target = f.resolve()
            if not target.is_relative_to(root.resolve()):
                raise BundleError(f"bundle member {rel} is a link escaping the bundle")
        if f.is_dir():
            continue
        if not f.is_file():  # a FIFO or device would block or lie: never read it
            raise BundleError(f"bundle member {rel} is not a regular file")
        try:
            data = f.read_bytes()
        except OSError as exc:
            raise BundleError(f"bundle file {rel} is unreadable: {exc.strerror}") from exc
        total += len(data)
        if total > MAX_BUNDLE_BYTES:
            raise BundleError(f"bundle is larger than {MAX_BUNDLE_BYTES // 2**20} MiB")
        files[rel] = data
    return files


def _read_tar(path: Path) -> dict[str, bytes]:
    try:
        tar = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise BundleError(f"{path} is neither a bundle directory nor a readable .tar.gz: {exc}") from exc
    files: dict[str, bytes] = {}
    total = 0
    with tar:
        try:
            for m in tar:
                name = PurePosixPath(m.name)
                if name.is_absolute() or ".." in name.parts:
                    raise BundleError(f"bundle member {m.name!r} escapes the bundle")
                if m.issym() or m.islnk():
                    raise BundleError(f"bundle member {m.name!r} is a link; bundles hold plain files")
                if m.isdir():
                    continue
                if not m.isfile():
                    raise BundleError(f"bundle member {m.name!r} is not a regular file")
                total += m.size
                if total > MAX_BUNDLE_BYTES:
                    raise BundleError(f"bundle is larger than {MAX_BUNDLE_BYTES // 2**20} MiB")
                fh = tar.extractfile(m)
                files[name.as_posix().removeprefix("./")] = fh.read() if fh else b""
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BundleError(f"{path} is truncated or corrupt: {exc}") from exc
    return _strip_top_dir(files)


def _strip_top_dir(files: dict[str, bytes]) -> dict[str, bytes]:
    """`tar czf b.tar.gz bundle/` puts everything under `bundle/`: look inside it."""
    if "manifest.json" in files:
        return files
    tops = {k.split("/", 1)[0] for k in files}
    if len(tops) == 1:
        top = tops.pop() + "/"
        return {k[len(top):]: v for k, v in files.items() if k.startswith(top)}
    return files


def _build(source: str, files: dict[str, bytes]) -> Bundle:
    manifest = _manifest(files.get("manifest.json"))
    results: dict[tuple[str | None, str], CommandResult] = {}
    for rel, data in files.items():
        if not rel.startswith(("probes/", "instances/")):
            continue  # manifest.json, expected.json, a README: not probe data
        if not rel.endswith((".out", ".json")):
            raise BundleError(f"bundle member {rel}: probe files end in .out or .json")
        if rel.endswith(".json"):
            continue
        instance, probe = _locate(rel)
        meta_bytes = files.get(rel[: -len(".out")] + ".json")
        results[(instance, probe)] = _result(rel, data, meta_bytes)
    for rel in files:
        in_probes = rel.startswith(("probes/", "instances/"))
        if in_probes and rel.endswith(".json") and rel[:-5] + ".out" not in files:
            raise BundleError(f"bundle file {rel} has no {PurePosixPath(rel).stem}.out beside it")
    return Bundle(source, manifest, results)


def _manifest(data: bytes | None) -> Manifest:
    if data is None:
        raise BundleError("no manifest.json in the bundle (is this a bundle written by --record?)")
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"manifest.json is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise BundleError("manifest.json must hold a JSON object")
    fmt = raw.get("format")
    if fmt != FORMAT:
        raise BundleError(f"unknown bundle format {fmt!r} (this suite reads format {FORMAT})")
    platform = raw.get("platform")
    if platform not in PLATFORMS:
        raise BundleError(f"bundle platform {platform!r} is not one this suite knows ({', '.join(PLATFORMS)})")
    known = {"format", "platform", "recorded", "os_version", "multipass_version", "redacted"}
    return Manifest(platform=platform, format=fmt, recorded=raw.get("recorded"),
                    os_version=raw.get("os_version"), multipass_version=raw.get("multipass_version"),
                    redacted=bool(raw.get("redacted", False)),
                    extra={k: v for k, v in raw.items() if k not in known})


def _locate(rel: str) -> tuple[str | None, str]:
    parts = PurePosixPath(rel).parts
    if len(parts) == 2 and parts[0] == "probes":
        return None, parts[1][: -len(".out")]
    if len(parts) == 4 and parts[0] == "instances" and parts[2] == "probes":
        try:
            validate_name(parts[1])
        except InvalidName as exc:
            raise BundleError(f"bundle member {rel}: {exc}") from exc
        return parts[1], parts[3][: -len(".out")]
    raise BundleError(f"bundle member {rel} is outside probes/ and instances/<name>/probes/")


def _result(rel: str, out: bytes, meta_bytes: bytes | None) -> CommandResult:
    if meta_bytes is None:
        return CommandResult((), 0, out)
    try:
        meta = json.loads(meta_bytes.decode("utf-8-sig"))
        if not isinstance(meta, dict):
            raise ValueError("not an object")
        rc = meta.get("rc", 0)
        if not isinstance(rc, int):
            raise ValueError(f"rc {rc!r} is not an integer")
        argv = tuple(str(a) for a in meta.get("argv", ()))
        stderr = str(meta.get("stderr", "")).encode()
        return CommandResult(argv, rc, out, stderr, float(meta.get("duration", 0.0)),
                             bool(meta.get("timed_out", False)))
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise BundleError(f"bundle file {rel[:-4]}.json is malformed: {exc}") from exc


class BundleWriter:
    """Writes a bundle directory while a live run goes on (`--record DIR`).

    `redactor` (optional, e.g. :class:`mpdiag.redact.Redactor` in its ``parseable``
    style) has ``redact(text, probe)`` and ``redact_bytes(data, probe)``: every `.out`,
    the stderr and argv of every `.json` pass through it before they are written, and
    once more at :meth:`finish` (names learned late are taken out of early files too).
    """

    def __init__(self, root: str | Path, redactor=None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.redactor = redactor
        self._written: list[tuple[Path, str]] = []

    def write(self, probe: str, instance: str | None, result: CommandResult) -> None:
        base = self.root / "probes" if instance is None else self.root / "instances" / instance / "probes"
        base.mkdir(parents=True, exist_ok=True)
        r = self.redactor
        stdout = r.redact_bytes(result.stdout, probe) if r else result.stdout
        (base / f"{probe}.out").write_bytes(stdout)
        meta = {"argv": [r.redact(a, probe) if r else a for a in result.argv], "rc": result.rc,
                "stderr": r.redact(result.error_text, probe) if r else result.error_text,
                "timed_out": result.timed_out, "duration": round(result.duration, 4)}
        (base / f"{probe}.json").write_text(json.dumps(meta, indent=2) + "\n")
        self._written.append((base, probe))

    def finish(self, manifest: Manifest) -> None:
        if self.redactor is not None:
            for base, probe in self._written:
                out, meta = base / f"{probe}.out", base / f"{probe}.json"
                out.write_bytes(self.redactor.redact_bytes(out.read_bytes(), probe))
                meta.write_text(self.redactor.redact(meta.read_text(), probe))
        (self.root / "manifest.json").write_text(json.dumps(manifest.to_json(), indent=2) + "\n")


def pack(directory: str | Path, dest: str | Path) -> Path:
    """A `.tar.gz` of a bundle directory, to attach to a bug report."""
    dest = Path(dest)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in sorted(Path(directory).rglob("*")):
            if f.is_file():
                tar.add(f, arcname=f.relative_to(directory).as_posix())
    dest.write_bytes(buf.getvalue())
    return dest
