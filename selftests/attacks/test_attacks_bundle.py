"""Hostile bundles: bombs, traps and malformed metadata, made here, each refused with one
line in bounded time and memory (the reliability contract, issue 9 items 5 and 6).

Bombs are made cheaply: tar headers are written by hand to *declare* a 1 GiB pax header
or long name without allocating it, sparse files come from `truncate`, and limits that
would take long to reach for real (ten thousand members) are also proven with a lowered
limit (:class:`mpdiag.bundle_read.Limits` is a parameter of `open_bundle`).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from mpdiag.bundle import open_bundle
from mpdiag.bundle_read import LIMITS, Limits
from mpdiag.errors import BundleError
from selftests.suite import SCENARIOS, run_suite

MANIFEST = json.dumps({"format": 2, "platform": "macos"}).encode()
MiB = 1024 * 1024


def header(name: str, size: int, kind: bytes = b"0", link: str = "") -> bytes:
    """One ustar header block, by hand: the size is declared, nothing is allocated."""
    h = bytearray(512)
    raw = name.encode()
    h[0:len(raw)] = raw[:100]
    h[100:108] = b"0000644\x00"
    h[108:116] = h[116:124] = b"0000000\x00"
    h[124:136] = b"%011o\x00" % size
    h[136:148] = b"00000000000\x00"
    h[156:157] = kind
    h[157:157 + len(link)] = link.encode()
    h[257:265] = b"ustar\x0000"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\x00 " % sum(h)
    return bytes(h)


def member(name: str, data: bytes, kind: bytes = b"0") -> bytes:
    return header(name, len(data), kind) + data + b"\x00" * (-len(data) % 512)


def archive(tmp_path: Path, body: bytes, name: str = "evil.tar.gz", compress: bool = True) -> Path:
    path = tmp_path / name
    path.write_bytes(gzip.compress(body, 1) if compress else body)
    return path


def refused(path: Path, words: str, limits: Limits = LIMITS, seconds: float = 30.0, mib: "float | None" = 40.0) -> str:
    """open_bundle refuses with one line naming `words`, within `seconds` (a hang guard, generous
    for a loaded CI host) and `mib` of memory (traced unless None: tracing many small
    allocations is slow)."""
    if mib is None:
        start = time.monotonic()
        with pytest.raises(BundleError) as e:
            open_bundle(path, limits)
        assert time.monotonic() - start < seconds
        assert words in str(e.value) and "\n" not in str(e.value), e.value
        return str(e.value)
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(BundleError) as e:
            open_bundle(path, limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    took = time.monotonic() - start
    message = str(e.value)
    assert words in message, message
    assert "\n" not in message, message
    assert took < seconds, f"{took:.1f} s"
    assert peak < mib * MiB, f"peak {peak / MiB:.0f} MiB"
    return message


def suite_refuses(path: Path, words: str, tmp_path: Path) -> None:
    """The real suite: exit 4 before any test, one line naming the problem, no traceback."""
    run = run_suite("--replay", str(path), "-p", "no:allure_pytest", reports=tmp_path / "reports", timeout=60)
    out = run.stdout + run.stderr
    assert run.rc == 4, out[-3000:]
    lines = [line for line in out.splitlines() if "cannot replay" in line]
    assert len(lines) == 1 and words in lines[0], out[-3000:]
    assert "Traceback" not in out and "INTERNALERROR" not in out, out[-3000:]
    assert "passed" not in run.stdout and "failed" not in run.stdout


def directory(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "bundle"
    for rel, data in {"manifest.json": MANIFEST, **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


# --- bombs ---------------------------------------------------------------------------------------
def test_a_1_gib_pax_header_is_refused_before_it_is_read(tmp_path):
    body = member("manifest.json", MANIFEST) + header("././@PaxHeader", 1024 * MiB, b"x") + b"\x00" * 4096
    path = archive(tmp_path, body)
    refused(path, "a tar pax header of 1024 MiB (at most 64 KiB)")
    suite_refuses(path, "pax header of 1024 MiB", tmp_path)


def test_a_64_mib_gnu_long_name_is_refused(tmp_path):
    body = header("././@LongLink", 64 * MiB, b"L") + b"a" * 8192
    refused(archive(tmp_path, body, compress=False), "long-name header of 64 MiB")


def test_a_pax_header_just_over_the_limit_is_refused_and_one_under_is_parsed_fast(tmp_path):
    """64 KiB of digits makes tarfile's pax parser take seconds; this reader is linear."""
    payload = b"1" * (LIMITS.header_bytes - 1)
    body = header("././@PaxHeader", len(payload), b"x") + payload + b"\x00" * (-len(payload) % 512)
    refused(archive(tmp_path, body), "malformed pax header record", seconds=5)
    over = header("././@PaxHeader", LIMITS.header_bytes + 1, b"x") + b"1" * (LIMITS.header_bytes + 512)
    refused(archive(tmp_path, over, "over.tar.gz"), "pax header of")


def test_a_member_name_over_1_kib_is_refused(tmp_path):
    name = "probes/" + "a" * 2000 + ".out"
    rec = f" path={name}\n".encode()
    rec = str(len(rec) + len(str(len(rec) + 4))).encode() + rec
    body = header("././@PaxHeader", len(rec), b"x") + rec + b"\x00" * (-len(rec) % 512) + member("x", b"")
    refused(archive(tmp_path, body), "has a path over 1024 bytes")


def test_a_gzip_bomb_stops_at_the_inflate_cap(tmp_path):
    """A valid tar of one member, inflating beyond the cap: stopped while inflating."""
    big = 3 * MiB
    comp = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunks = [comp.compress(member("manifest.json", MANIFEST) + header("probes/a.out", big))]
    zeros = b"\x00" * MiB
    chunks += [comp.compress(zeros) for _ in range(big // MiB)]
    path = tmp_path / "bomb.tar.gz"
    path.write_bytes(b"".join(chunks) + comp.flush())
    refused(path, "inflates to more than 2 MiB (a gzip bomb?)", Limits(archive_bytes=2 * MiB), mib=8)


def test_members_beyond_the_total_are_refused_while_streaming(tmp_path):
    """Five 15 MiB members of zeros (a few hundred KiB compressed): the fifth passes 64 MiB."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    parts = [comp.compress(member("manifest.json", MANIFEST))]
    zeros = b"\x00" * MiB
    for i in range(5):
        parts.append(comp.compress(header(f"probes/p{i}.out", 15 * MiB)))
        parts += [comp.compress(zeros) for _ in range(15)]
    path = tmp_path / "total.tar.gz"
    path.write_bytes(b"".join(parts) + comp.flush())
    # what is held is bounded: the 60 MiB accepted so far, plus one member being read twice over
    refused(path, "bundle is larger than 64 MiB", mib=64 + 2 * 16 + 8)


def test_a_member_over_the_file_limit_is_refused_before_its_data(tmp_path):
    body = member("manifest.json", MANIFEST) + header("probes/a.out", 2048 * MiB)  # declared, not there
    refused(archive(tmp_path, body), "probes/a.out is 2048 MiB; a bundle file holds at most 16 MiB", mib=4)


def test_a_2_gib_sparse_out_in_a_directory_is_refused_by_its_size(tmp_path):
    root = directory(tmp_path, {})
    (root / "probes").mkdir()
    with open(root / "probes/arp_table.out", "wb") as f:
        f.truncate(2 * 1024 * MiB)
    refused(root, "probes/arp_table.out is 2048 MiB", mib=4)
    suite_refuses(root, "probes/arp_table.out is 2048 MiB", tmp_path)


def test_too_many_members_in_a_tar_are_refused(tmp_path):
    """Ten thousand and one empty members (5 MiB of headers): the real limit, streaming."""
    body = member("manifest.json", MANIFEST) + b"".join(header(f"probes/p{i}.out", 0)
                                                        for i in range(LIMITS.members + 1))
    refused(archive(tmp_path, body), f"more than {LIMITS.members} files and directories", mib=None)


def test_too_many_directory_entries_are_refused_as_they_are_listed(tmp_path):
    root = directory(tmp_path, {})
    (root / "probes").mkdir()
    for i in range(60):
        (root / "probes" / f"p{i}.out").write_bytes(b"")
    refused(root, "more than 50 files and directories", Limits(members=50))


def test_a_deep_directory_is_refused(tmp_path):
    root = directory(tmp_path, {"/".join(["d"] * 12) + "/x": b""})
    refused(root, "directories deep (at most 8)")


def test_an_archive_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.tar.gz"
    with open(path, "wb") as f:
        f.truncate(LIMITS.archive_bytes + 1)
    refused(path, "a bundle archive holds at most 96 MiB", mib=2)


# --- traps ----------------------------------------------------------------------------------------
def test_a_symlink_loop_in_a_directory_bundle(tmp_path):
    root = directory(tmp_path, {})
    (root / "probes").mkdir()
    os.symlink(root / "probes/b.out", root / "probes/a.out")
    os.symlink(root / "probes/a.out", root / "probes/b.out")
    refused(root, ".out is a symbolic link")
    suite_refuses(root, "is a symbolic link", tmp_path)


def test_a_bundle_path_that_is_a_symlink_loop(tmp_path):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    refused(tmp_path / "a", "is a broken link or a link loop")


def test_a_symlinked_directory_out_of_the_bundle(tmp_path):
    root = directory(tmp_path, {})
    os.symlink("/etc", root / "probes")
    refused(root, "probes is a symbolic link")


def test_a_hard_link_in_a_directory_bundle(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("not the bundle's")
    root = directory(tmp_path, {})
    (root / "probes").mkdir()
    os.link(secret, root / "probes/arp_table.out")
    refused(root, "probes/arp_table.out is a hard link")


def test_a_fifo_as_the_bundle_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "bundle.tar.gz")
    refused(tmp_path / "bundle.tar.gz", "neither a bundle directory nor a regular file", seconds=3)


@pytest.mark.parametrize("kind, words", [(b"1", "is a link"), (b"2", "is a link"), (b"3", "is not a regular file"),
                                         (b"4", "is not a regular file"), (b"6", "is not a regular file"),
                                         (b"S", "is a sparse file")])
def test_links_devices_fifos_and_sparse_members_in_a_tar(tmp_path, kind, words):
    body = member("manifest.json", MANIFEST) + header("probes/a.out", 0, kind, link="/etc/shadow")
    refused(archive(tmp_path, body), f"'probes/a.out' {words}")


@pytest.mark.parametrize("name, words", [("/etc/passwd", "escapes the bundle"), ("probes/../../x", "escapes"),
                                         ("probes\\..\\x.out", "no NUL or backslash"),
                                         ("/".join(["d"] * 9) + "/x", "directories deep")])
def test_hostile_member_names_in_a_tar(tmp_path, name, words):
    refused(archive(tmp_path, member("manifest.json", MANIFEST) + member(name, b"x")), words)


def test_a_member_twice(tmp_path):
    body = member("manifest.json", MANIFEST) + member("manifest.json", b'{"format": 1, "platform": "linux"}')
    refused(archive(tmp_path, body), "manifest.json appears twice")


def test_a_corrupt_gzip_stream(tmp_path):
    good = gzip.compress(member("manifest.json", MANIFEST) + member("probes/a.out", os.urandom(20000)))
    bad = bytearray(good)
    bad[len(bad) // 2:len(bad) // 2 + 64] = b"\xff" * 64
    path = tmp_path / "corrupt.tar.gz"
    path.write_bytes(bytes(bad))
    message = refused(path, "corrupt")
    assert "gzip" in message or "checksum" in message
    suite_refuses(path, "corrupt", tmp_path)


def test_a_bad_header_checksum(tmp_path):
    block = bytearray(member("manifest.json", MANIFEST))
    block[0] = ord("M")  # the checksum no longer matches
    refused(archive(tmp_path, bytes(block)), "no tar header at its start")


# --- malformed metadata, through the suite ----------------------------------------------------------
def test_deeply_nested_json_in_the_manifest(tmp_path):
    root = directory(tmp_path, {"manifest.json": b'{"format": 2, "platform": "macos", "about": '
                                + b"[" * 200_000 + b"]" * 200_000 + b"}"})
    refused(root, "manifest.json is nested too deeply")
    suite_refuses(root, "manifest.json is nested too deeply", tmp_path)


def test_deeply_nested_json_in_a_probe_json(tmp_path):
    root = directory(tmp_path, {"probes/a.out": b"", "probes/a.json": b'{"argv": ' + b"[" * 100_000})
    refused(root, "probes/a.json is nested too deeply")


def test_timed_out_as_a_string_is_refused_not_read_as_true(tmp_path):
    root = directory(tmp_path, {"probes/multipass_driver.out": b"qemu\n",
                                "probes/multipass_driver.json": json.dumps({"rc": 0, "timed_out": "false"}).encode()})
    suite_refuses(root, "probes/multipass_driver.json: 'timed_out' must be true or false, not 'false'", tmp_path)


@pytest.mark.parametrize("meta, words", [({"rc": True}, "'rc' must be an integer, not true"),
                                         ({"argv": "ls -la"}, "'argv' must be a list of strings")])
def test_rc_true_and_argv_string_are_refused(tmp_path, meta, words):
    root = directory(tmp_path, {"probes/a.out": b"", "probes/a.json": json.dumps(meta).encode()})
    refused(root, words)


def test_odd_length_utf16_output_errors_one_check_never_the_run(tmp_path):
    """A probe's UTF-16 output cut at an odd byte reaches the parsers and the report hooks
    as text (U+FFFD for the cut): no INTERNALERROR, no traceback."""
    import shutil

    root = tmp_path / "odd"
    shutil.copytree(SCENARIOS / "windows" / "healthy", root)
    target = root / "probes" / "ics_service.out"
    target.write_bytes(b"\xff\xfe" + target.read_text().encode("utf-16-le") + b"\x00")
    run = run_suite("--replay", str(root), "-p", "no:allure_pytest", reports=tmp_path / "r", timeout=120)
    out = run.stdout + run.stderr
    assert run.rc in (0, 1), out[-3000:]
    assert "INTERNALERROR" not in out and "Traceback" not in out, out[-3000:]
    assert run.diagnosis["checks"], out[-2000:]
