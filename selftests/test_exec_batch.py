"""Several instance probes in one `multipass exec` (mpdiag.exec_batch), run by a real sh: each
result is the command's own (stdout, stderr, exit code, the cap), handed on as it ends, under
its own exec argv; an exec that fails gives each command its failure; a batch that cannot
start hands its commands back; the frames cannot be faked by the output they carry."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from mpdiag import exec_batch
from mpdiag.multipass import exec_argv
from mpdiag.probes import ProbeSession, RecordingSource
from mpdiag.probes.sources import LiveSource
from mpdiag.bundle import BundleWriter, Manifest, open_bundle
from selftests.procs import fake_tool, kill_recorded

pytestmark = pytest.mark.skipif(os.name == "nt" or not shutil.which("sh"), reason="needs a POSIX sh")

# `multipass exec NAME -- CMD...` that runs CMD right here (the tests run local, harmless commands
# only), or fails the way the real client does when the instance's SSH is unreachable.
PASS_THROUGH = """#!/bin/sh
[ "$1" = exec ] && [ "$3" = -- ] || { echo "unexpected: $*" >&2; exit 99; }
echo "$$" >> "$PIDS"
case "$FAKE_EXEC" in
  fail) echo "exec failed: ssh connection failed: 'Failed to connect: No route to host'" >&2; exit 2;;
  bare) shift 3; PATH=$SH_ONLY; export PATH; exec "$@";;  # an instance with sh and its builtins only
esac
shift 3; exec "$@"
"""


@pytest.fixture
def multipass(tmp_path, monkeypatch):
    bin_dir = fake_tool(tmp_path / "bin", "multipass", PASS_THROUGH).parent
    pids = tmp_path / "pids.txt"
    (tmp_path / "sh-only").mkdir()
    (tmp_path / "sh-only" / "sh").symlink_to(shutil.which("sh"))
    monkeypatch.setenv("SH_ONLY", str(tmp_path / "sh-only"))
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("PIDS", str(pids))
    yield monkeypatch
    assert kill_recorded(pids) == [], "a fake multipass was left running"


def run(commands, timeout=10.0, cap=1 << 20):
    got: dict[int, object] = {}
    order: list[int] = []

    def done(i, res):
        got[i] = res
        order.append(i)

    left = exec_batch.run("primary", commands, timeout, done, cap)
    return got, order, left


def test_each_result_is_the_commands_own(multipass):
    commands = [["printf", "one\\n"],
                ["sh", "-c", "printf out; printf err >&2; exit 3"],
                ["sh", "-c", "exit 4"],  # the exec guard's 104, as alone
                ["sh", "-c", "printf '\\000\\nfake\\n%s 0 0 0 0 0 0\\n' nope; printf 'x\\n'"]]
    got, _, left = run(commands)
    assert left == []
    assert [got[i].argv for i in range(4)] == [tuple(exec_argv("primary", c)) for c in commands]
    assert (got[0].rc, got[0].stdout, got[0].stderr) == (0, b"one\n", b"")
    assert (got[1].rc, got[1].stdout, got[1].stderr) == (3, b"out", b"err")
    assert got[2].rc == 104
    assert got[3].stdout == b"\x00\nfake\nnope 0 0 0 0 0 0\nx\n" and got[3].rc == 0
    assert not any(r.timed_out or r.truncated for r in got.values())


def test_output_over_the_cap_is_cut_and_said(multipass):
    got, _, _ = run([["sh", "-c", "head -c 5000 /dev/zero; head -c 10 /dev/zero >&2"], ["printf", "ok"]], cap=1000)
    assert len(got[0].stdout) == 1000 and got[0].stderr == b"\0" * 10 and got[0].truncated
    assert got[1].stdout == b"ok" and not got[1].truncated


def test_a_result_is_handed_on_when_its_command_ends(multipass):
    got, order, _ = run([["sh", "-c", "sleep 1; echo slow"], ["echo", "fast"]])
    assert order == [1, 0]
    assert got[1].duration < got[0].duration and got[0].stdout == b"slow\n"


def test_a_hung_command_times_out_alone(multipass):
    got, _, left = run([["sleep", "30"], ["echo", "fast"]], timeout=1.5)
    assert left == [] and got[1].stdout == b"fast\n" and not got[1].timed_out
    assert got[0].timed_out and got[0].argv == tuple(exec_argv("primary", ["sleep", "30"]))


def test_a_failed_exec_is_each_commands_failure(multipass):
    multipass.setenv("FAKE_EXEC", "fail")
    got, _, left = run([["true"], ["echo", "x"]])
    assert left == []
    for r in got.values():
        assert r.rc == 2 and r.stderr.startswith(b"exec failed: ssh connection failed") and not r.timed_out


def test_a_batch_that_cannot_start_hands_its_commands_back(multipass):
    multipass.setenv("FAKE_EXEC", "bare")  # an instance without mktemp or mkfifo
    got, _, left = run([["true"], ["echo", "x"]])
    assert left == [0, 1] and got == {}


def _frames(mark="m0", count=3, cap=100):
    seen = []
    return exec_batch.Frames(mark, count, cap, lambda *a: seen.append(a)), seen


def test_frames_split_anywhere_read_the_same():
    stream = b"noise\n\nm0 1 0 3 2 3 2\nabcde\nm0 0 7 0 0 0 0\n"
    for cut in range(len(stream) + 1):
        frames, seen = _frames()
        frames.feed(stream[:cut])
        frames.feed(stream[cut:])
        assert seen == [(1, 0, b"abc", b"de", False), (0, 7, b"", b"", False)], cut


@pytest.mark.parametrize("stream", [
    b"\nm0 5 0 0 0 0 0\n",  # an index the batch does not have
    b"\nm0 0 0 1000 0 1000 0\n" + b"x" * 1000,  # more than the cap
    b"\nm0 0 zero 1 0 1 0\nx",  # not a number
    b"\nm9 0 0 1 0 1 0\nx",  # another batch's mark
    b"\nm0 " + b"1" * 10_000,  # a header without an end
])
def test_a_bad_frame_is_skipped_within_bounded_memory(stream):
    frames, seen = _frames()
    frames.feed(stream)
    assert seen == [] and len(frames.buf) <= 300


def test_an_index_given_twice_is_read_once():
    frames, seen = _frames()
    frames.feed(b"\nm0 0 0 1 0 1 0\na\nm0 0 1 1 0 1 0\nb")
    assert seen == [(0, 0, b"a", b"", False)]


def test_the_session_keeps_each_result_and_the_bundle_records_each(multipass, tmp_path):
    source = RecordingSource(LiveSource(), BundleWriter(tmp_path / "bundle"))
    session = ProbeSession(source, "linux")
    calls = [("ip_route", "primary", {}), ("dig_gateway", "primary", {"server": "10.0.0.1", "name": "x"})]
    tools = tmp_path / "inst"  # the instance's ip and dig, answering as the real ones do
    fake_tool(tools, "ip", "#!/bin/sh\necho '[{\"dst\":\"default\",\"gateway\":\"10.0.0.1\",\"dev\":\"eth0\"}]'\n")
    fake_tool(tools, "dig", "#!/bin/sh\nsleep 0.3; echo ';; connection timed out; no servers could be reached'; exit 9\n")
    multipass.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    waited: dict[str, object] = {}
    assert all(session.hold(*c) for c in calls)
    assert not session.hold(*calls[0])  # held once
    waiter = threading.Thread(target=lambda: waited.update(r=session.result("ip_route", "primary")))
    waiter.start()  # asks while the batch holds it: waits for the batch, never runs it alone
    time.sleep(0.1)
    session.run_held([ProbeSession.key(*c) for c in calls])
    waiter.join(5)
    assert session.executions == 2
    assert waited["r"].argv == tuple(exec_argv("primary", ["ip", "-j", "route"]))
    assert session.get("ip_route", "primary")[0].gateway == "10.0.0.1"
    source.writer.finish(Manifest(platform="linux", recorded="now"))
    replay = open_bundle(tmp_path / "bundle")
    assert replay.result("dig_gateway", "primary", {"server": "10.0.0.1", "name": "x"}).rc == 9
    assert replay.result("ip_route", "primary").stdout.startswith(b'[{"dst":"default"')
