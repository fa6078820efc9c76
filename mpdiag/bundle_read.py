"""Reading a bundle's files from a directory or a tar archive, bounded before anything is read.

A bundle comes from a stranger: it may be a bomb (a 1 GiB pax header, two million
directory entries, a 2 GiB sparse `.out`, a gzip stream that inflates without end), a
trap (a FIFO that blocks a read, a symlink loop, a link out of the bundle) or plain
garbage. Every limit in :class:`Limits` is checked on metadata (a `stat`, a tar header)
*before* the bytes it describes are read, and reading itself is capped, so a refusal
comes in bounded time and memory with a :class:`~mpdiag.errors.BundleError` naming the
member and what is wrong.

Tar archives are read by this module's own streaming header reader, not ``tarfile``:
``tarfile`` reads a pax header or GNU long name whole before anyone can look at its
size, and its pax parser is quadratic on some inputs (seconds for 64 KiB). Here every
header's size is checked first and pax records are parsed in one linear pass. Plain tar
and gzip (`tar czf`, also several gzip members concatenated) are read; gzip is inflated
through a bounded ``zlib`` decompressor, so a bomb stops at the cap.

Longer than ~300 lines on purpose: the directory walk and the streaming tar reader share
the limits and the refusals (links, devices, litter), which must be enforced identically.
"""

from __future__ import annotations

import os
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from mpdiag.errors import BundleError

MiB = 1024 * 1024
#: files an OS leaves beside others (macOS AppleDouble `._x`, Finder, Explorer): skipped
LITTER_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold. A real one is under 10 MiB with a few hundred files."""

    members: int = 10_000  # files and directories together
    total_bytes: int = 64 * MiB  # all files' contents
    file_bytes: int = 16 * MiB  # one file (a probe's output is capped well below)
    name_bytes: int = 1024  # one member's path, UTF-8
    header_bytes: int = 64 * 1024  # one pax extended header or GNU long name
    depth: int = 8  # path components (instances/<name>/probes/<file> is 4)
    archive_bytes: int = 96 * MiB  # the decompressed tar stream, headers included


LIMITS = Limits()


def is_litter(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name in LITTER_NAMES or name.startswith("._")


def _mib(n: int) -> str:
    if n >= MiB:
        return f"{n / MiB:g} MiB"
    return f"{n / 1024:g} KiB" if n >= 1024 else f"{n} bytes"


class _Budget:
    """Counts members and bytes against the limits; refuses on the first excess."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.members = 0
        self.total = 0
        self.seen: set[str] = set()

    def member(self, rel: str) -> None:
        lim = self.limits
        self.members += 1
        if self.members > lim.members:
            raise BundleError(f"bundle holds more than {lim.members} files and directories")
        if len(rel.encode("utf-8", "surrogateescape")) > lim.name_bytes:
            raise BundleError(f"bundle member {rel[:80]!r}... has a path over {lim.name_bytes} bytes")
        if "\x00" in rel or "\\" in rel:
            raise BundleError(f"bundle member {rel!r}: a path holds no NUL or backslash")
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if rel.startswith("/") or ".." in parts:
            raise BundleError(f"bundle member {rel!r} escapes the bundle")
        if len(parts) > lim.depth:
            raise BundleError(f"bundle member {rel} is {len(parts)} directories deep (at most {lim.depth})")

    def file(self, rel: str, size: int) -> None:
        lim = self.limits
        if size > lim.file_bytes:
            raise BundleError(f"bundle file {rel} is {_mib(size)}; a bundle file holds at most {_mib(lim.file_bytes)}")
        self.total += size
        if self.total > lim.total_bytes:
            raise BundleError(f"bundle is larger than {_mib(lim.total_bytes)}")
        if rel in self.seen:
            raise BundleError(f"bundle member {rel} appears twice")
        self.seen.add(rel)


# --- directories ------------------------------------------------------------------------------
def read_dir(root: Path, limits: Limits = LIMITS) -> dict[str, bytes]:
    """Every regular file below `root` (relative POSIX path -> bytes). Links, devices and
    FIFOs are refused without being opened; sizes are checked on `lstat` before reading."""
    budget = _Budget(limits)
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            entries = os.scandir(directory)
        except OSError as exc:
            raise BundleError(f"bundle directory {prefix or '.'} is unreadable: {exc.strerror}") from exc
        with entries:
            for entry in entries:  # streamed: a directory of millions stops at the limit
                rel = prefix + entry.name
                budget.member(rel)
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    raise BundleError(f"bundle member {rel} is unreadable: {exc.strerror}") from exc
                if _is_link(st):
                    raise BundleError(f"bundle member {rel} is a symbolic link; bundles hold plain files")
                if stat.S_ISDIR(st.st_mode):
                    stack.append((entry.path, rel + "/"))
                    continue
                if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or lie: never open it
                    raise BundleError(f"bundle member {rel} is not a regular file")
                if is_litter(rel):
                    continue
                if st.st_nlink > 1:  # Windows' DirEntry says 0: never refused there
                    raise BundleError(f"bundle file {rel} is a hard link ({st.st_nlink} names); "
                                      "bundles hold plain files")
                budget.file(rel, st.st_size)
                found.append((rel, entry.path))
    return {rel: _read_regular(path, rel, limits) for rel, path in sorted(found)}


def _is_link(st: os.stat_result) -> bool:
    """A symlink, or on Windows any reparse point (junctions, mount points)."""
    return stat.S_ISLNK(st.st_mode) or bool(getattr(st, "st_file_attributes", 0) & 0x400)


def _read_regular(path: str, rel: str, limits: Limits) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BundleError(f"bundle file {rel} is unreadable: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the lstat
            raise BundleError(f"bundle member {rel} is not a regular file")
        data = fh.read(limits.file_bytes + 1)
    if len(data) > limits.file_bytes:  # grew since the lstat
        raise BundleError(f"bundle file {rel} is larger than {_mib(limits.file_bytes)}")
    return data


# --- tar archives -----------------------------------------------------------------------------
_CHUNK = 256 * 1024


class _Inflated:
    """A file's bytes, gzip-inflated when they start with gzip's magic, capped in total."""

    def __init__(self, raw: BinaryIO, cap: int, name: str) -> None:
        self.raw, self.cap, self.name = raw, cap, name
        self.inflater = zlib.decompressobj(wbits=31) if raw.read(2) == b"\x1f\x8b" else None
        raw.seek(0)
        self.buf = bytearray()
        self.total = 0
        self.eof = False

    def _fill(self, want: int) -> None:
        while len(self.buf) < want and not self.eof:
            d = self.inflater
            if d is None:
                chunk = self.raw.read(_CHUNK)
                self.eof = not chunk
                self._take(chunk)
                continue
            if d.eof:  # another gzip member may follow (`cat a.gz b.gz`); zeros are padding
                data = d.unused_data or self.raw.read(_CHUNK)
                if not data.strip(b"\x00"):
                    self.eof = True
                    break
                d = self.inflater = zlib.decompressobj(wbits=31)
            else:
                data = d.unconsumed_tail or self.raw.read(_CHUNK)
            try:
                out = d.decompress(data, _CHUNK) if data else d.flush()
            except zlib.error as exc:
                raise BundleError(f"{self.name}: the gzip stream is corrupt ({exc})") from exc
            if not data and not d.eof:
                raise BundleError(f"{self.name}: the gzip stream is truncated")
            self._take(out)

    def _take(self, out: bytes) -> None:
        self.total += len(out)
        if self.total > self.cap:
            raise BundleError(f"{self.name} inflates to more than {_mib(self.cap)} (a gzip bomb?)")
        self.buf += out

    def read(self, n: int) -> bytes:
        self._fill(n)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def skip(self, n: int) -> None:
        while n > 0:
            got = len(self.read(min(n, _CHUNK)))
            if not got:
                raise BundleError(f"{self.name} is truncated")
            n -= got


def _octal(field: bytes, what: str, name: str) -> int:
    if field[:1] in (b"\x80", b"\xff"):  # GNU base-256
        value = int.from_bytes(field[1:], "big")
        return -value if field[:1] == b"\xff" else value
    text = field.split(b"\x00", 1)[0].strip(b" ")
    try:
        return int(text, 8) if text else 0
    except ValueError:
        raise BundleError(f"{name}: tar header {what} {field!r} is not a number (corrupt archive?)") from None


def _checksum_ok(block: bytes) -> bool:
    text = block[148:156].split(b"\x00", 1)[0].strip(b" ")
    if not text or not all(48 <= c <= 55 for c in text):
        return False
    rest = block[:148] + b" " * 8 + block[156:]
    unsigned = sum(rest)
    signed = unsigned - 256 * sum(1 for c in rest if c > 127)  # some old tars sum signed bytes
    return int(text, 8) in (unsigned, signed)


def _pax(data: bytes, name: str) -> dict[str, str]:
    """pax records `<len> <key>=<value>\\n`, parsed in one pass."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(data) and data[pos:pos + 1] != b"\x00":
        space = data.find(b" ", pos, pos + 21)
        digits = data[pos:space] if space > 0 else b""
        if not digits.isdigit():
            raise BundleError(f"{name}: malformed pax header record at byte {pos}")
        end = pos + int(digits)
        record = data[space + 1:end]
        if end > len(data) or end <= space or not record.endswith(b"\n") or b"=" not in record:
            raise BundleError(f"{name}: malformed pax header record at byte {pos}")
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "replace")] = value.decode("utf-8", "surrogateescape")
        pos = end
    return records


def _headers(stream: _Inflated, limits: Limits, name: str) -> Iterator[tuple[str, str, int]]:
    """(path, type, size) of each member; the caller reads or skips its data."""
    overrides: dict[str, str] = {}
    first = True
    while True:
        block = stream.read(512)
        if first and (len(block) < 512 or not _checksum_ok(block)):
            raise BundleError(f"{name} is neither a bundle directory nor a readable .tar.gz "
                              "(no tar header at its start)")
        first = False
        if len(block) < 512:
            if not block and not overrides:
                return  # some writers end without the two zero blocks
            raise BundleError(f"{name} is truncated (a tar header is cut)")
        if block == b"\x00" * 512:
            return
        if not _checksum_ok(block):
            raise BundleError(f"{name} is corrupt (a tar header's checksum is wrong)")
        kind = chr(block[156]) if block[156] else "0"
        size = _octal(block[124:136], "size", name)
        path = block[:100].split(b"\x00", 1)[0]
        if block[257:263] == b"ustar\x00" and block[345:346] != b"\x00":
            path = block[345:500].split(b"\x00", 1)[0] + b"/" + path
        if size < 0:
            raise BundleError(f"{name}: tar member {path[:80]!r} has a negative size")
        if kind in ("x", "g", "L", "K"):
            if size > limits.header_bytes:
                raise BundleError(f"{name}: a tar {'pax' if kind in 'xg' else 'long-name'} header of "
                                  f"{_mib(size)} (at most {_mib(limits.header_bytes)})")
            data = stream.read(size)
            stream.skip(-size % 512)
            if len(data) < size:
                raise BundleError(f"{name} is truncated")
            if kind == "x":
                overrides.update(_pax(data, name))
            elif kind == "L":
                overrides["path"] = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            elif kind == "K":
                overrides["linkpath"] = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            continue  # "g" (global) records say nothing a bundle needs
        text = overrides.pop("path", None) or path.decode("utf-8", "surrogateescape")
        if "size" in overrides:
            value = overrides.pop("size")
            if not value.isdigit() or len(value) > 20:
                raise BundleError(f"{name}: tar member {text[:80]!r} has a malformed pax size {value[:40]!r}")
            size = int(value)
        if any(k.startswith("GNU.sparse") for k in overrides) or kind == "S":
            kind = "S"
        overrides.clear()
        yield text, kind, size


def read_tar(path: Path, limits: Limits = LIMITS) -> dict[str, bytes]:
    """Every regular file of a (gzipped) tar archive; each header checked before its data."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise BundleError(f"{path} is unreadable: {exc.strerror}") from exc
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block the open
        raise BundleError(f"{path} is neither a bundle directory nor a regular file")
    if st.st_size > limits.archive_bytes:
        raise BundleError(f"{path} is {_mib(st.st_size)}; a bundle archive holds at most {_mib(limits.archive_bytes)}")
    budget = _Budget(limits)
    files: dict[str, bytes] = {}
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise BundleError(f"{path} is unreadable: {exc.strerror}") from exc
    with raw:
        stream = _Inflated(raw, limits.archive_bytes, str(path))
        for member, kind, size in _headers(stream, limits, str(path)):
            padded = size + (-size % 512)
            rel = member
            while rel.startswith("./"):
                rel = rel[2:]
            rel = rel.rstrip("/")
            if rel in ("", "."):  # the archive's own top directory (`tar czf b.tgz -C dir .`)
                if kind not in ("1", "2"):
                    stream.skip(padded)
                continue
            budget.member(rel)
            if kind in ("1", "2"):
                raise BundleError(f"bundle member {rel!r} is a link; bundles hold plain files")
            if kind == "S":
                raise BundleError(f"bundle member {rel!r} is a sparse file; bundles hold plain files")
            if kind == "5":
                if size > limits.header_bytes:
                    raise BundleError(f"bundle member {rel!r}: a directory with {_mib(size)} of data")
                stream.skip(padded)
                continue
            if kind not in ("0", "7"):
                raise BundleError(f"bundle member {rel!r} is not a regular file (tar type {kind!r})")
            if is_litter(rel):
                budget.file(rel, size)  # counted, never kept
                stream.skip(padded)
                continue
            budget.file(rel, size)
            data = stream.read(size)
            if len(data) < size:
                raise BundleError(f"{path} is truncated (member {rel} is cut)")
            stream.skip(padded - size)
            files[rel] = data
    return files
