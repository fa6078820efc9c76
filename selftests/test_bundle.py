"""Replay bundles: read back what was recorded; refuse malformed ones with one clear message.

Longer than ~300 lines on purpose: the bundle format's reader and writer are tested as the one
contract they are (mpdiag/bundle.py)."""

from __future__ import annotations

import io
import json
import os
import tarfile

import pytest

from mpdiag.bundle import BundleWriter, Manifest, open_bundle, pack
from mpdiag.errors import BundleError, NotRecorded, ProbeError
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
    ({"manifest.json": json.dumps(MANIFEST), "probes/a.out": "", "probes/a.json": "{rc: 1}"},
     "probes/a.json is not valid JSON"),
    ({"manifest.json": json.dumps(MANIFEST), "probes/a.out": "", "probes/a.json": '{"rc": "x"}'},
     "probes/a.json: 'rc' must be an integer"),
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
    with pytest.raises(BundleError, match="truncated"):
        open_bundle(cut)
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(BundleError, match="neither a bundle directory nor a readable"):
        open_bundle(junk)


def test_symlink_escaping_directory_bundle(tmp_path):
    root = good(tmp_path)
    (root / "probes/evil.out").symlink_to("/etc/hostname")
    with pytest.raises(BundleError, match="probes/evil.out is a symbolic link"):
        open_bundle(root)


def test_suite_refuses_a_malformed_bundle_before_any_test(tmp_path):
    bad = make(tmp_path, {"manifest.json": json.dumps({**MANIFEST, "format": 3})})
    run = run_suite("--replay", str(bad), reports=tmp_path / "r")
    assert run.rc == 4, run.stdout + run.stderr  # pytest's usage error
    assert "unknown bundle format 3" in run.stderr
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


# --- format 2: one file per (probe, params) ---------------------------------------------------
ARPING_REPLY = ("ARPING 10.97.23.200 from 10.97.23.1 mpqemubr0\n"
                "Unicast reply from 10.97.23.200 [52:54:00:64:00:01]  0.612ms\n"
                "Sent 2 probes (1 broadcast(s))\nReceived 1 response(s)\n")
ARPING_SILENCE = "ARPING 10.97.23.201 from 10.97.23.1 mpqemubr0\nSent 2 probes (2 broadcast(s))\nReceived 0 response(s)\n"
ZONES = {"public": "public (active)\n  target: default\n  interfaces: eth0\n  services: ssh\n  ports: \n",
         "trusted": "trusted (active)\n  target: ACCEPT\n  interfaces: mpqemubr0\n  services: \n"}


class _Answers:
    """A live-like source answering each call by its params (a host with two targets, two zones)."""

    mode = "live"

    def fetch(self, probe, ctx):
        if probe.name == "arping":
            out = ARPING_REPLY if ctx.params["ip"] == "10.97.23.200" else ARPING_SILENCE
        elif probe.name == "firewalld_zone":
            out = ZONES[ctx.params["zone"]]
        else:
            out = "qemu\n"
        return CommandResult((probe.name, *map(str, ctx.params.values())), 0, out.encode(), b"", 0.01)


def test_a_recording_replays_each_params_apart(tmp_path):
    from mpdiag.probes import ProbeSession, RecordingSource, ReplaySource

    writer = BundleWriter(tmp_path / "rec")
    live = ProbeSession(RecordingSource(_Answers(), writer), "linux")
    calls = [("arping", {"iface": "mpqemubr0", "ip": "10.97.23.200"}),
             ("arping", {"iface": "mpqemubr0", "ip": "10.97.23.201"}),
             ("firewalld_zone", {"zone": "public"}), ("firewalld_zone", {"zone": "trusted"}),
             ("multipass_driver", {})]
    recorded = [live.get(name, **params) for name, params in calls]
    writer.finish(Manifest(platform="linux"))
    names = sorted(p.name for p in (tmp_path / "rec/probes").iterdir())
    assert "arping--iface=mpqemubr0--ip=10.97.23.200.out" in names and "firewalld_zone--zone=trusted.json" in names
    bundle = open_bundle(tmp_path / "rec")
    assert bundle.manifest.format == 2
    replay = ProbeSession(ReplaySource(bundle), bundle.platform)
    replayed = [replay.get(name, **params) for name, params in calls]
    assert replayed == recorded
    assert replayed[0].answered and not replayed[1].answered
    assert replayed[2].name == "public" and replayed[3].name == "trusted" and replayed[2] != replayed[3]
    with pytest.raises(NotRecorded, match="arping' with iface=mpqemubr0, ip=10.97.23.9 is not recorded"):
        replay.get("arping", iface="mpqemubr0", ip="10.97.23.9")  # format 2 answers exactly its params


def test_a_result_gathered_beside_the_source_is_a_probe_result_and_recorded(tmp_path):
    """The launch's DHCP capture: provided to the session, read like any probe, in the bundle."""
    from mpdiag.probes import ProbeSession, RecordingSource, ReplaySource

    writer = BundleWriter(tmp_path / "rec")
    live = ProbeSession(RecordingSource(_Answers(), writer), "linux")
    capture = CommandResult(("tcpdump",), 0, b"not a pcap", b"", 0.5)
    live.provide("dhcp_capture", capture)
    assert live.result("dhcp_capture") is capture and live.executions == 0
    with pytest.raises(ProbeError, match="already has a result"):
        live.provide("dhcp_capture", capture)
    writer.finish(Manifest(platform="linux"))
    replay = ProbeSession(ReplaySource(open_bundle(tmp_path / "rec")), "linux")
    assert replay.result("dhcp_capture").stdout == b"not a pcap"


def test_a_python_probes_json_is_redacted_string_by_string(tmp_path):
    """A transcript's `\\n` before a prompt is an escape, not part of a user name: the
    redacted output is still the probe's JSON (found by the lab's record-and-replay test)."""
    from mpdiag.redact import Redactor

    writer = BundleWriter(tmp_path / "rec", redactor=Redactor(users=["alice"], hosts=["alices-mbp"],
                                                                 style="parseable"))
    doc = {"reached_prompt": True, "transcript": "Welcome\r\nubuntu@primary:~$ exit\nalice@alices-mbp % x"}
    raw = json.dumps(doc, sort_keys=True).encode()
    writer.write("shell_session", "primary", CommandResult(("python", "shell_session"), 0, raw, b"", 0.1))
    writer.finish(Manifest(platform="linux"))
    got = json.loads((tmp_path / "rec/instances/primary/probes/shell_session.out").read_bytes())
    assert got["transcript"].startswith("Welcome\r\nubuntu@primary:~$ exit\n") and "alice" not in got["transcript"]
    assert got["reached_prompt"] is True


def test_format_1_answers_every_params_of_a_probe(tmp_path):
    """Bundles recorded before params were kept: the probe's one file answers every call."""
    root = make(tmp_path, {"manifest.json": json.dumps(MANIFEST), "probes/arping.out": ARPING_REPLY})
    b = open_bundle(root)
    assert b.result("arping", params={"ip": "10.0.0.1"}).stdout == b.result("arping").stdout == ARPING_REPLY.encode()


def test_a_format_1_scenario_still_replays_to_its_expected_outcomes(tmp_path):
    scenario = ROOT / "scenarios/linux/port53-squat-format-1"
    assert json.loads((scenario / "manifest.json").read_text())["format"] == 1
    expected = json.loads((scenario / "expected.json").read_text())
    run = run_suite("--replay", str(scenario), reports=tmp_path / "r")
    assert {k: run.outcomes().get(k) for k in expected} == expected, run.stdout[-2000:]


@pytest.mark.parametrize("value", ["192.168.64.7", "10.0.0.5/24", "fe80::1%eth0", "br-1a2b", "a--b", "x-",
                                   "FedoraWorkstation", "google.ie", "<host-1>", "primary.mshome.net"])
def test_file_names_round_trip_and_are_windows_safe(value):
    from mpdiag.bundle import params_key, parse_stem, stem

    name = stem("arping", params_key({"ip": value, "iface": "eth0"}))
    assert parse_stem(name) == ("arping", params_key({"iface": "eth0", "ip": value}))
    assert not set(name) - set("abcdefghijklmnopqrstuvwxyz0123456789._-=%ABCDEF"), name  # no <>:"/\|?*
    assert not {c for c in name if c.isupper()} - set("ABCDEF")  # upper case only in %XX: no two by case
    assert name.count("--") == 2


@pytest.mark.parametrize("file, words", [
    ("arping--ip=10.0.0.1--ip=10.0.0.2", "not <probe>--<key>=<value>"),
    ("arping--iface=eth0", None),
    ("arping--ip=10.0.0.1--iface=eth0", "one spelling"),  # keys out of order
    ("arping--ip=%41", None),
    ("arping--ip=A", "not <probe>"),  # upper case is always %XX: no two spellings by case
    ("arping--ip=%61", "one spelling"),  # 'a' needs no %XX
    ("arping--ip=%2Dx", "not a host, address"),  # a value starting with '-' (an option) is refused
    ("arping--IP=1", "not <probe>"),
    ("Arping", "not a probe name"),
    ("arping--ip", "not <probe>"),
])
def test_format_2_file_names_are_refused_unless_they_round_trip(tmp_path, file, words):
    root = make(tmp_path, {"manifest.json": json.dumps({**MANIFEST, "format": 2}), f"probes/{file}.out": "x"})
    if words is None:
        assert len(open_bundle(root).results) == 1
        return
    with pytest.raises(BundleError) as e:
        open_bundle(root)
    assert f"probes/{file}.out" in str(e.value) and words in str(e.value), e.value


def test_writer_refuses_what_it_could_not_read_back(tmp_path):
    w = BundleWriter(tmp_path / "w")
    ok = CommandResult(("x",), 0, b"")
    for probe, instance, params, words in [
        ("arping", None, {"ip": "-rf"}, "not a host, address"),
        ("arping", None, {"ip": "a b"}, "not a host, address"),
        ("arping", None, {"IP": "1"}, "not a param name"),
        ("arping", None, {"ip": True}, "neither a string"),
        ("ar/ping", None, {}, "not a probe name"),
        ("arping", "primary\n", {}, "not a valid instance name"),
        ("arping", "../x", {}, "not a valid instance name"),
    ]:
        with pytest.raises(BundleError, match=words):
            w.write(probe, instance, ok, params)
    assert not (tmp_path / "w" / "probes").exists() and not (tmp_path / "x").exists()


# --- strict metadata -----------------------------------------------------------------------------
@pytest.mark.parametrize("meta, words", [
    ({"timed_out": "false"}, "'timed_out' must be true or false, not 'false'"),
    ({"rc": True}, "'rc' must be an integer, not true"),
    ({"rc": 1.5}, "'rc' must be an integer"),
    ({"argv": "ls -la"}, "'argv' must be a list of strings, not 'ls -la'"),
    ({"argv": ["ls", 1]}, "'argv' must be a list of strings"),
    ({"stderr": ["x"]}, "'stderr' must be a string"),
    ({"truncated": 1}, "'truncated' must be true or false"),
    ({"duration": -1}, "'duration' must be a number"),
    ({"params": {"ip": "1"}}, "'params' needs bundle format 2"),
    ({"colour": "red"}, "unknown field 'colour'"),
])
def test_probe_metadata_is_typed_exactly(tmp_path, meta, words):
    root = make(tmp_path, {"manifest.json": json.dumps(MANIFEST), "probes/a.out": "",
                           "probes/a.json": json.dumps(meta)})
    with pytest.raises(BundleError) as e:
        open_bundle(root)
    assert str(e.value).startswith("bundle file probes/a.json") and words in str(e.value), e.value


@pytest.mark.parametrize("text, words", [
    ('{"rc": 0, "rc": 1}', "key 'rc' appears twice"),
    ('{"rc": NaN}', "NaN is not a JSON number"),
    ('{"rc": ' + "9" * 5000 + "}", "longer than 20 digits"),
    ('{"stderr": "\\ud800"}', "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
])
def test_probe_json_oddities_are_refused(tmp_path, text, words):
    root = make(tmp_path, {"manifest.json": json.dumps(MANIFEST), "probes/a.out": "", "probes/a.json": text})
    with pytest.raises(BundleError) as e:
        open_bundle(root)
    assert "probes/a.json" in str(e.value) and words in str(e.value), e.value


@pytest.mark.parametrize("manifest, words", [
    ({**MANIFEST, "redacted": "false"}, "'redacted' must be true or false"),
    ({**MANIFEST, "format": True}, "unknown bundle format true"),
    ({**MANIFEST, "os_version": 13}, "'os_version' must be a string or null"),
    ({**MANIFEST, "platform": ["macos"]}, "platform [\"macos\"]"),
])
def test_manifest_is_typed_exactly(tmp_path, manifest, words):
    with pytest.raises(BundleError) as e:
        open_bundle(make(tmp_path, {"manifest.json": json.dumps(manifest)}))
    assert words in str(e.value), e.value


def test_format_2_params_in_the_json_must_match_the_file_name(tmp_path):
    root = make(tmp_path, {"manifest.json": json.dumps({**MANIFEST, "format": 2}),
                           "probes/arping--ip=10.0.0.1.out": "",
                           "probes/arping--ip=10.0.0.1.json": json.dumps({"params": {"ip": "10.0.0.2"}})})
    with pytest.raises(BundleError, match="do not match its file name"):
        open_bundle(root)


def test_os_litter_is_skipped(tmp_path):
    root = good(tmp_path)
    (root / "probes/.DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "probes/._multipass_driver.out").write_bytes(b"\x00\x05\x16\x07")
    assert open_bundle(root).probes() == ["lsof_port53", "multipass_driver"]


def test_every_scenario_reads_the_same_from_its_directory_and_its_archive(tmp_path):
    from selftests.suite import SCENARIOS

    for manifest in sorted(SCENARIOS.glob("*/*/manifest.json")):
        d = open_bundle(manifest.parent)
        t = open_bundle(pack(manifest.parent, tmp_path / "s.tar.gz"))
        assert d.results == t.results and d.manifest == t.manifest, manifest.parent
