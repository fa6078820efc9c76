"""Replay bundles: every probe's output, recorded on the user's machine, replayed anywhere.

Layout (format 2, what :class:`BundleWriter` writes)::

    manifest.json                          {"format": 2, "platform": "macos", "recorded": ..., "redacted": ...}
    probes/<probe>.out                     stdout, byte for byte, of a probe called without params
    probes/<probe>--<key>=<value>.out      ... called with params, one file per (probe, params)
    probes/<stem>.json                     optional {"argv", "rc", "stderr", "timed_out", "truncated",
                                           "duration", "params"}; absent = rc 0, no params
    instances/<name>/probes/<stem>.out (+ .json)

A stem is the probe name, then each param sorted by key as ``--key=value``. Values are
written in a form every file system takes (Windows, case-insensitive macOS): lower-case
letters, digits, ``.`` and ``_`` as they are, ``-`` as is between two such characters,
everything else (upper case too, so two values never collide by case) as ``%XX`` of its
UTF-8 bytes: ``arping--iface=ens3--ip=192.168.64.7``, ``firewalld_zone--zone=%46edora``.
A stem has exactly one spelling: a file name that does not round-trip is refused.
Probe names are ``[a-z][a-z0-9_]*``, param keys likewise, values are host names,
addresses, CIDRs, interface and zone names (``[A-Za-z0-9._:/%@+-]``, not starting with
``-``, at most 200 characters); instance names are Multipass's.

Format 1 (the bundles recorded before params were kept) is still read: there a file is
named by the probe alone and answers the probe whatever params it is called with. In
format 2 a file answers exactly its (probe, params): a probe recorded with
``ip=192.168.64.7`` is "not recorded" when a replay asks for another address.

A bundle is read whole and validated up front (mpdiag/bundle_read.py bounds the reading):
a malformed one is refused with one message naming the file and what is wrong, before
any check runs. The limits (:data:`~mpdiag.bundle_read.LIMITS`): at most 10 000 files
and directories, 64 MiB in all, 16 MiB per file, 1 KiB per path, 8 directories deep,
64 KiB per tar pax/long-name header, 96 MiB inflated per archive; JSON files hold
exactly the schema below (types checked: ``rc`` an int and not a bool, ``timed_out`` a
bool, ``argv`` a list of strings, ``params`` strings to strings), no duplicate keys, no
NaN, no number longer than 20 digits. Links (symbolic or hard), devices, FIFOs and sparse
members are refused; OS litter (``.DS_Store``, AppleDouble ``._*``) is skipped.

Longer than ~300 lines on purpose: the format's names (stems, params), its JSON schema,
the reader that validates a bundle and the writer that makes one are one contract, kept
side by side so a writer change cannot drift from the reader; only the bounded reading of
files and archives is apart (mpdiag/bundle_read.py).
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import stat
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from mpdiag.bundle_read import LIMITS, Limits, is_litter, read_dir, read_tar
from mpdiag.catalog import PLATFORMS
from mpdiag.errors import BundleError, InvalidName
from mpdiag.multipass import validate_name
from mpdiag.runner import CommandResult

FORMAT = 2
FORMATS = (1, 2)
MAX_BUNDLE_BYTES = LIMITS.total_bytes
Params = tuple  # tuple[tuple[str, str], ...], sorted by key

_PROBE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}")
_VALUE = re.compile(r"(?!-)[A-Za-z0-9._:/%@+<>-]{1,200}")
_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._")
_ENCODED = re.compile(r"(?:[a-z0-9._-]|%[0-9A-F]{2})+")
MAX_STEM = 200


# --- names -------------------------------------------------------------------------------------
def probe_name(name: object) -> str:
    if not isinstance(name, str) or not _PROBE.fullmatch(name):
        raise BundleError(f"{name!r} is not a probe name (a-z, digits, _; starting with a letter)")
    return name


def instance_name(name: object) -> str:
    try:
        validate_name(name)  # type: ignore[arg-type]
    except InvalidName as exc:
        raise BundleError(str(exc)) from None
    if name != name.strip():  # type: ignore[union-attr]
        raise BundleError(f"{name!r} is not a valid instance name (white space)")
    return name  # type: ignore[return-value]


def params_key(params: Mapping[str, Any] | None) -> Params:
    """Validated params as a sorted tuple of (key, value) strings: the key of a bundle file."""
    out = []
    for key, value in sorted((params or {}).items()):
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise BundleError(f"param {key!r} is not a param name (a-z, digits, _)")
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise BundleError(f"param {key}={value!r} is neither a string nor an integer")
        text = str(value)
        if not _VALUE.fullmatch(text):
            raise BundleError(f"param {key}={text[:80]!r} is not a host, address, CIDR or interface name "
                              "(A-Z a-z 0-9 . _ : / % @ + < > -, not starting with -, at most 200 characters)")
        out.append((key, text))
    return tuple(out)


def _encode(value: str) -> str:
    out = []
    for i, ch in enumerate(value):
        if ch in _LITERAL or (ch == "-" and 0 < i < len(value) - 1 and value[i - 1] != "-"):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def stem(probe: str, params: Params = ()) -> str:
    """The file name (without .out/.json) of a probe's result: ``arping--ip=192.168.64.7``."""
    text = probe_name(probe) + "".join(f"--{k}={_encode(v)}" for k, v in params)
    if len(text) > MAX_STEM:
        raise BundleError(f"probe {probe} with params {dict(params)} makes a file name over {MAX_STEM} characters")
    return text


def parse_stem(text: str) -> tuple[str, Params]:
    """The (probe, params) a format-2 file name stands for; refused unless it round-trips."""
    name, *pairs = text.split("--")
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, encoded = pair.partition("=")
        if not sep or not _KEY.fullmatch(key) or not _ENCODED.fullmatch(encoded) or key in params:
            raise BundleError(f"{text!r} is not <probe>--<key>=<value>...")
        chunks = re.split(r"(%[0-9A-F]{2})", encoded)
        data = b"".join(bytes([int(c[1:], 16)]) if c.startswith("%") else c.encode() for c in chunks)
        try:
            params[key] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BundleError(f"{text!r}: param {key} is not UTF-8") from None
    key_ = params_key(params)
    if stem(name, key_) != text:
        raise BundleError(f"{text!r} is not in its one spelling (that is {stem(name, key_)!r})")
    return name, key_


# --- JSON, strictly -------------------------------------------------------------------------------
def _pairs(pairs: list) -> dict:
    seen: dict = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"key {k!r} appears twice")
        seen[k] = v
    return seen


def _number(text: str) -> Any:
    if len(text) > 20:
        raise ValueError(f"number {text[:20]}... is longer than 20 digits")
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _constant(text: str) -> Any:
    raise ValueError(f"{text} is not a JSON number")


def load_json(rel: str, data: bytes) -> Any:
    """JSON of a bundle file; BundleError (not RecursionError, not a huge int) for anything odd."""
    try:
        value = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_pairs, parse_int=_number,
                           parse_float=_number, parse_constant=_constant)
        _no_surrogates(value)  # a lone surrogate (`"\ud800"`) could be neither shown nor written
    except RecursionError:
        raise BundleError(f"bundle file {rel} is nested too deeply") from None
    except (UnicodeError, ValueError) as exc:
        raise BundleError(f"bundle file {rel} is not valid JSON: {exc}") from None
    return value


def _no_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            v.encode("utf-8")
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _typed(rel: str, meta: dict, key: str, kind: type | tuple, what: str, default: Any) -> Any:
    value = meta.get(key, default)
    if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
        raise BundleError(f"bundle file {rel}: {key!r} must be {what}, not {_show(value)}")
    return value


# --- the bundle ------------------------------------------------------------------------------------
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


Key = tuple  # (instance or None, probe, params)


@dataclass(frozen=True)
class Bundle:
    """A validated bundle held in memory: `(instance or None, probe, params) -> CommandResult`."""

    source: str
    manifest: Manifest
    results: dict

    @property
    def platform(self) -> str:
        return self.manifest.platform

    def result(self, probe: str, instance: str | None = None,
               params: Mapping[str, Any] | None = None) -> CommandResult | None:
        """The recorded result of a call; in format 1 a probe's one file answers every params."""
        if self.manifest.format == 1:
            return self.results.get((instance, probe, ()))
        try:
            key = params_key(params)
        except BundleError:
            return None  # nothing with such params can have been recorded
        return self.results.get((instance, probe, key))

    def instances(self) -> list[str]:
        return sorted({i for i, _, _ in self.results if i is not None})

    def probes(self, instance: str | None = None) -> list[str]:
        return sorted({p for i, p, _ in self.results if i == instance})


def open_bundle(path: str | Path, limits: Limits = LIMITS) -> Bundle:
    """Read and validate a bundle directory or `.tar.gz`; BundleError names what is wrong."""
    p = Path(path).expanduser()
    try:
        is_dir = stat.S_ISDIR(p.stat().st_mode)
    except OSError as exc:
        if p.is_symlink():
            raise BundleError(f"replay bundle {p} is a broken link or a link loop ({exc.strerror})") from None
        raise BundleError(f"replay bundle {p} does not exist") from None
    files = read_dir(p, limits) if is_dir else _strip_top_dir(read_tar(p, limits))
    return _build(str(p), files)


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
    results: dict = {}
    for rel in sorted(files):
        if not rel.startswith(("probes/", "instances/")) or is_litter(rel):
            continue  # manifest.json, expected.json, a README: not probe data
        if not rel.endswith((".out", ".json")):
            raise BundleError(f"bundle member {rel}: probe files end in .out or .json")
        base = rel.rsplit(".", 1)[0]
        if rel.endswith(".json"):
            if base + ".out" not in files:
                raise BundleError(f"bundle file {rel} has no {PurePosixPath(base).name}.out beside it")
            continue
        instance, probe, params = _locate(rel, manifest.format)
        results[(instance, probe, params)] = _result(base + ".json", files[rel], files.get(base + ".json"),
                                                     params, manifest.format)
    return Bundle(source, manifest, results)


def _manifest(data: bytes | None) -> Manifest:
    if data is None:
        raise BundleError("no manifest.json in the bundle (is this a bundle written by --record?)")
    raw = load_json("manifest.json", data)
    if not isinstance(raw, dict):
        raise BundleError("manifest.json must hold a JSON object")
    fmt = raw.get("format")
    if isinstance(fmt, bool) or fmt not in FORMATS:
        raise BundleError(f"unknown bundle format {_show(fmt)} (this suite reads formats 1 and 2)")
    platform = raw.get("platform")
    if not isinstance(platform, str) or platform not in PLATFORMS:
        raise BundleError(f"bundle platform {_show(platform)} is not one this suite knows "
                          f"({', '.join(PLATFORMS)})")
    text = {k: _typed("manifest.json", raw, k, (str, type(None)), "a string or null", None)
            for k in ("recorded", "os_version", "multipass_version", "about")}
    redacted = _typed("manifest.json", raw, "redacted", bool, "true or false", False)
    known = {"format", "platform", "recorded", "os_version", "multipass_version", "redacted"}
    return Manifest(platform=platform, format=fmt, recorded=text["recorded"], os_version=text["os_version"],
                    multipass_version=text["multipass_version"], redacted=redacted,
                    extra={k: v for k, v in raw.items() if k not in known})


def _locate(rel: str, fmt: int) -> tuple[str | None, str, Params]:
    parts = PurePosixPath(rel).parts
    if len(parts) == 2 and parts[0] == "probes":
        instance = None
    elif len(parts) == 4 and parts[0] == "instances" and parts[2] == "probes":
        try:
            instance = instance_name(parts[1])
        except BundleError as exc:
            raise BundleError(f"bundle member {rel}: {exc}") from None
    else:
        raise BundleError(f"bundle member {rel} is outside probes/ and instances/<name>/probes/")
    file_stem = parts[-1][: -len(".out")]
    try:
        if fmt == 1:
            return instance, probe_name(file_stem), ()
        name, params = parse_stem(file_stem)
        return instance, name, params
    except BundleError as exc:
        raise BundleError(f"bundle member {rel}: {exc}") from None


_META_KEYS = ("argv", "rc", "stderr", "timed_out", "truncated", "duration", "params")


def _result(rel: str, out: bytes, meta_bytes: bytes | None, params: Params, fmt: int) -> CommandResult:
    if meta_bytes is None:
        return CommandResult((), 0, out)
    meta = load_json(rel, meta_bytes)
    if not isinstance(meta, dict):
        raise BundleError(f"bundle file {rel} must hold a JSON object")
    unknown = sorted(set(meta) - set(_META_KEYS))
    if unknown:
        raise BundleError(f"bundle file {rel}: unknown field {unknown[0]!r} (known: {', '.join(_META_KEYS)})")
    argv = _typed(rel, meta, "argv", list, "a list of strings", [])
    if not all(isinstance(a, str) for a in argv):
        raise BundleError(f"bundle file {rel}: 'argv' must be a list of strings")
    rc = _typed(rel, meta, "rc", int, "an integer", 0)
    if not -2**32 < rc < 2**32:
        raise BundleError(f"bundle file {rel}: 'rc' {rc} is no exit code")
    stderr = _typed(rel, meta, "stderr", str, "a string", "")
    timed_out = _typed(rel, meta, "timed_out", bool, "true or false", False)
    truncated = _typed(rel, meta, "truncated", bool, "true or false", False)
    duration = _typed(rel, meta, "duration", (int, float), "a number of seconds", 0.0)
    if not (math.isfinite(duration) and duration >= 0):
        raise BundleError(f"bundle file {rel}: 'duration' must be a number of seconds")
    if "params" in meta:
        given = _typed(rel, meta, "params", dict, "an object of strings", {})
        if fmt == 1:
            raise BundleError(f"bundle file {rel}: 'params' needs bundle format 2")
        if not all(isinstance(v, str) for v in given.values()):
            raise BundleError(f"bundle file {rel}: 'params' must map names to strings")
        try:
            same = params_key(given) == params
        except BundleError as exc:
            raise BundleError(f"bundle file {rel}: {exc}") from None
        if not same:
            raise BundleError(f"bundle file {rel}: 'params' {given} do not match its file name")
    return _command_result(tuple(argv), rc, out, stderr.encode("utf-8"), float(duration), timed_out, truncated)


def _command_result(argv: tuple, rc: int, out: bytes, err: bytes, duration: float, timed_out: bool,
                    truncated: bool) -> CommandResult:
    names = {f.name for f in dataclasses.fields(CommandResult)}
    if "truncated" in names:
        return CommandResult(argv, rc, out, err, duration, timed_out, truncated=truncated)  # type: ignore[call-arg]
    return CommandResult(argv, rc, out, err, duration, timed_out, meta={"truncated": True} if truncated else {})


def _truncated(result: CommandResult) -> bool:
    return bool(getattr(result, "truncated", False) or result.meta.get("truncated"))


class BundleWriter:
    """Writes a format-2 bundle directory while a live run goes on (`--record DIR`), or a
    scenario: ``write(probe, instance, result, params)`` per call, ``finish(manifest)`` once.

    `redactor` (optional, e.g. :class:`mpdiag.redact.Redactor` in its ``parseable``
    style) has ``redact(text, probe)`` and ``redact_bytes(data, probe)``: every `.out`,
    the stderr and argv of every `.json` and the param values pass through it before they
    are written, and once more at :meth:`finish` (names learned late are taken out of
    early files too). A call whose probe, instance or params could not be read back is
    refused with BundleError and nothing is written.
    """

    def __init__(self, root: str | Path, redactor=None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.redactor = redactor
        self._written: dict[tuple, tuple[Path, str, str, dict]] = {}  # key -> (dir, probe, stem, raw params)

    def _stem(self, probe: str, params: Mapping[str, Any]) -> str:
        r = self.redactor
        shown = {k: (r.redact(str(v), probe) if r else v) for k, v in params.items()}
        return stem(probe, params_key(shown))

    def _redacted_out(self, data: bytes, probe: str, argv: tuple) -> bytes:
        """A probe's stdout redacted. A Python probe's is a JSON document (`python <probe>`):
        its strings are redacted one by one and it is dumped as the probe dumps it, so an
        escape (`\\n` before a name) is never taken for part of a name and the JSON stays valid."""
        r = self.redactor
        if tuple(argv[:1]) == ("python",) and hasattr(r, "json"):
            try:
                doc = json.loads(data)
            except ValueError:
                return r.redact_bytes(data, probe)
            return json.dumps(r.json(doc), sort_keys=True).encode()
        return r.redact_bytes(data, probe)

    def write(self, probe: str, instance: str | None, result: CommandResult,
              params: Mapping[str, Any] | None = None) -> Path:
        """Record one call's result; returns the `.out` path."""
        params = dict(params or {})
        key = (instance, probe, params_key(params))
        name = self._stem(probe, params)
        base = self.root / "probes" if instance is None else self.root / "instances" / instance_name(instance) / "probes"
        base.mkdir(parents=True, exist_ok=True)
        r = self.redactor
        stdout = self._redacted_out(result.stdout, probe, result.argv) if r else result.stdout
        (base / f"{name}.out").write_bytes(stdout)
        meta: dict[str, Any] = {"argv": [r.redact(a, probe) if r else a for a in result.argv], "rc": result.rc,
                                "stderr": r.redact(result.error_text, probe) if r else result.error_text,
                                "timed_out": result.timed_out, "duration": round(result.duration, 4)}
        if _truncated(result):
            meta["truncated"] = True
        if params:
            meta["params"] = dict(parse_stem(name)[1])
        (base / f"{name}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        self._written[key] = (base, probe, name, params)
        return base / f"{name}.out"

    def finish(self, manifest: Manifest) -> None:
        """Write the manifest (format 2), after a last redaction pass with every name learned."""
        r = self.redactor
        if r is not None:
            for base, probe, name, params in self._written.values():
                out, meta = base / f"{name}.out", base / f"{name}.json"
                argv = tuple(json.loads(meta.read_text(encoding="utf-8")).get("argv") or ())
                out.write_bytes(self._redacted_out(out.read_bytes(), probe, argv))
                meta.write_text(r.redact(meta.read_text(encoding="utf-8"), probe), encoding="utf-8")
                again = self._stem(probe, params)
                if again != name:  # a param holds a name learned after it was written
                    data = json.loads(meta.read_text(encoding="utf-8"))
                    data["params"] = dict(parse_stem(again)[1])
                    (base / f"{again}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
                    out.replace(base / f"{again}.out")
                    meta.unlink()
        manifest = dataclasses.replace(manifest, format=FORMAT)
        (self.root / "manifest.json").write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")


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
