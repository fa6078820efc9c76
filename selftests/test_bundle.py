"""Replay bundles: read back what was recorded; refuse malformed ones with one clear message."""

from __future__ import annotations

import io
import json
import os
import tarfile

import pytest

from mpdiag.bundle import BundleWriter, Manifest, open_bundle, pack
from mpdiag.errors import BundleError
from mpdiag.runner import CommandResult
from selftests.suite import ROOT, run_suite

MANIFEST = {"format": 1, "platform": "macos", "recorded": "2026-11-20T10:00:00+00:00"}


def make(tmp_path, files: dict[str, bytes | str]):
    root = tmp_path / "bundle"
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode() if isinstance(data, str) else data)
    return root


def good(tmp_path):
    return make(tmp_path, {"manifest.json": json.dumps(MANIFEST),
                           "probes/multipass_driver.out": "qemu\n",
                           "probes/lsof_port53.out": "",
                           "probes/lsof_port53.json": json.dumps({"rc": 1, "stderr": "sudo: a password is required"}),
                           "instances/primary/probes/ip_addr.out": "[]"})


def test_reads_results_byte_for_byte(tmp_path):
    b = open_bundle(good(tmp_path))
    assert b.platform == "macos"
    assert b.result("multipass_driver").stdout == b"qemu\n"
    assert b.result("multipass_driver").rc == 0  # no .json: rc 0
    lsof = b.result("lsof_port53")
    assert (lsof.rc, lsof.error_text) == (1, "sudo: a password is required")
    assert b.instances() == ["primary"]
    assert b.result("ip_addr", "primary").stdout == b"[]"
    assert b.result("ip_addr") is None


def test_tar_gz_with_a_top_directory(tmp_path):
    root = good(tmp_path)
    tgz = tmp_path / "b.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(root, arcname="my-bundle")
    assert open_bundle(tgz).result("multipass_driver").stdout == b"qemu\n"
    assert open_bundle(pack(root, tmp_path / "p.tar.gz")).platform == "macos"


def test_writer_round_trip(tmp_path):
    w = BundleWriter(tmp_path / "rec")
    w.write("pf_nat", None, CommandResult(("pfctl", "-s", "nat"), 0, b"nat on utun1 ...\n", b"", 0.1))
    w.write("ip_route", "primary", CommandResult(("ip",), 2, b"", b"boom", 0.1, timed_out=True))
    w.finish(Manifest(platform="linux", recorded="now"))
    b = open_bundle(tmp_path / "rec")
    assert b.result("pf_nat").stdout == b"nat on utun1 ...\n"
    r = b.result("ip_route", "primary")
    assert (r.rc, r.timed_out, r.error_text) == (2, True, "boom")


def _tar(tmp_path, members: list[tarfile.TarInfo], data: dict[str, bytes]):
    tgz = tmp_path / "evil.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        for m in members:
            payload = data.get(m.name, b"")
            m.size = len(payload) if m.isfile() else 0
            tar.addfile(m, io.BytesIO(payload) if m.isfile() else None)
    return tgz


def _member(name: str, kind=tarfile.REGTYPE, link: str = ""):
    m = tarfile.TarInfo(name)
    m.type = kind
    m.linkname = link
    return m


@pytest.mark.parametrize("files, words", [
    ({"probes/x.out": "1"}, "no manifest.json"),
    ({"manifest.json": "{not json"}, "not valid JSON"),
    ({"manifest.json": "[1]"}, "JSON object"),
    ({"manifest.json": json.dumps({**MANIFEST, "format": 7})}, "unknown bundle format 7"),
    ({"manifest.json": json.dumps({**MANIFEST, "platform": "beos"})}, "platform 'beos'"),
    ({"manifest.json": json.dumps(MANIFEST), "probes/a.out": "", "probes/a.json": "{rc: 1}"}, "a.json is malformed"),
    ({"manifest.json": json.dumps(MANIFEST), "probes/a.out": "", "probes/a.json": '{"rc": "x"}'}, "not an integer"),
    ({"manifest.json": json.dumps(MANIFEST), "probes/b.json": "{}"}, "has no b.out"),
    ({"manifest.json": json.dumps(MANIFEST), "probes/deep/c.out": ""}, "outside probes/"),
    ({"manifest.json": json.dumps(MANIFEST), "instances/bad name!/probes/c.out": ""}, "not a valid instance name"),
])
def test_malformed_directory_is_refused(tmp_path, files, words):
    with pytest.raises(BundleError, match=".*") as e:
        open_bundle(make(tmp_path, files))
    assert words in str(e.value)


def test_missing_path(tmp_path):
    with pytest.raises(BundleError, match="does not exist"):
        open_bundle(tmp_path / "nope.tar.gz")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path):  # pragma: no cover - CI runs as root
    root = good(tmp_path)
    (root / "probes/multipass_driver.out").chmod(0)
    with pytest.raises(BundleError, match="unreadable"):
        open_bundle(root)


def test_stray_file_in_probes(tmp_path):
    root = good(tmp_path)
    (root / "probes/dir.out").mkdir()
    (root / "probes/dir.out/x").write_text("")
    with pytest.raises(BundleError, match="end in .out or .json"):
        open_bundle(root)


def test_fifo_is_refused_not_read(tmp_path):
    """Reading a FIFO would block forever: nothing hangs."""
    root = good(tmp_path)
    os.mkfifo(root / "probes/pipe.out")
    with pytest.raises(BundleError, match="not a regular file"):
        open_bundle(root)


@pytest.mark.parametrize("member, words", [
    (_member("../etc/passwd"), "escapes the bundle"),
    (_member("/abs/manifest.json"), "escapes the bundle"),
    (_member("probes/link.out", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    (_member("probes/dev.out", tarfile.CHRTYPE), "not a regular file"),
])
def test_malicious_tar_is_refused(tmp_path, member, words):
    tgz = _tar(tmp_path, [_member("manifest.json"), member], {"manifest.json": json.dumps(MANIFEST).encode()})
    with pytest.raises(BundleError) as e:
        open_bundle(tgz)
    assert words in str(e.value)


def test_truncated_and_garbage_tar(tmp_path):
    root = good(tmp_path)
    tgz = pack(root, tmp_path / "b.tar.gz")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(tgz.read_bytes()[: len(tgz.read_bytes()) // 2])
    with pytest.raises(BundleError, match="truncated or corrupt|readable"):
        open_bundle(cut)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(BundleError, match="neither a bundle directory nor a readable"):
        open_bundle(junk)


def test_symlink_escaping_directory_bundle(tmp_path):
    root = good(tmp_path)
    (root / "probes/evil.out").symlink_to("/etc/hostname")
    with pytest.raises(BundleError, match="escaping the bundle"):
        open_bundle(root)


def test_suite_refuses_a_malformed_bundle_before_any_test(tmp_path):
    bad = make(tmp_path, {"manifest.json": json.dumps({**MANIFEST, "format": 2})})
    run = run_suite("--replay", str(bad), reports=tmp_path / "r")
    assert run.rc == 4, run.stdout + run.stderr  # pytest's usage error
    assert "unknown bundle format 2" in run.stderr
    assert "passed" not in run.stdout and "failed" not in run.stdout


def test_space_separated_replay_of_a_bundle_outside_the_project(tmp_path):
    """`pytest --replay ~/Downloads/bundle.tar.gz` from the project root."""
    tgz = pack(ROOT / "scenarios/macos/healthy", tmp_path / "bundle.tar.gz")
    run = run_suite("--replay", str(tgz), reports=tmp_path / "r")
    assert run.rc == 0, run.stdout + run.stderr
    assert run.diagnosis["mode"] == "replay" and run.diagnosis["platform"] == "macos"
    assert "macos.multipass.daemon" in run.outcomes()


def test_replay_of_a_bundle_below_another_ini(tmp_path):
    """A bundle under a directory with its own pytest.ini must not make that the rootdir."""
    outer = tmp_path / "elsewhere"
    outer.mkdir()
    (outer / "pytest.ini").write_text("[pytest]\ntestpaths = nothing_here\n")
    tgz = pack(ROOT / "scenarios/macos/healthy", outer / "bundle.tar.gz")
    run = run_suite("--replay", str(tgz), reports=tmp_path / "r")
    assert run.rc == 0, run.stdout + run.stderr
    assert "macos.multipass.daemon" in run.outcomes()
