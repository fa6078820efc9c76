"""The instance side of the suite, driven through the real pytest run against a scripted
`multipass` (first on PATH): attach/launch/replay choice, launch cleanup on failure, Ctrl-C and
SIGTERM, `--keep`, exec failures (exit 2 on 1.16, 255 on main) told apart from the remote
command's own exit code, no probe exiting 4, `info --all` vs `info`, "N/A" vs [].

Longer than ~300 lines on purpose: one scripted multipass drives every case of the instance
side's lifecycle (attach, launch, cleanup, signals)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mpdiag.multipass import exec_argv, info_argv, unwrap_exit
from selftests.suite import ROOT, run_suite

INSTANCE_IDS = ["instance.launch.gets_ip", "instance.state.running_with_ip", "instance.shell.reachable",
                "instance.net.ping_gateway", "instance.net.ping_external", "instance.dns.gateway",
                "instance.dns.external", "instance.dns.resolver", "instance.dns.answers_sane",
                "instance.arp.extra_ips"]

FAKE = textwrap.dedent(r'''
    #!/usr/bin/env python3
    """Scripted multipass: behaviour from $FAKE_MP_CONF (JSON), every call logged to $FAKE_MP_LOG."""
    import json, os, sys, time
    conf = json.load(open(os.environ["FAKE_MP_CONF"]))
    args = sys.argv[1:]
    with open(os.environ["FAKE_MP_LOG"], "a") as log:
        log.write(json.dumps(args) + "\n")
    GUARD = 'rc=0; "$@" || rc=$?; if [ "$rc" -eq 4 ]; then exit 104; fi; exit "$rc"'

    def reply(spec):
        out, err, rc = spec.get("out", ""), spec.get("err", ""), spec.get("rc", 0)
        time.sleep(spec.get("sleep", 0))
        sys.stdout.write(out); sys.stderr.write(err)
        sys.exit(rc)

    cmd = args[0]
    if cmd == "version":
        reply({"out": json.dumps({"multipass": conf.get("version", "1.16.3"), "multipassd": conf.get("version", "1.16.3")})})
    if cmd == "list":
        state = conf.get("instances", [])
        if os.path.exists(conf.get("launched_flag", "/nonexistent")):
            launched = open(conf["launched_flag"]).read()
            state = state + [dict(i, name=launched) for i in conf.get("launched_instances", [])]
        reply({"out": json.dumps({"list": state})})
    if cmd == "get":  # the real CLI's answers: the driver, an unset bridged network, a boolean per instance
        key = args[1] if len(args) > 1 else ""
        if key == "local.driver":
            reply({"out": "qemu\n"})
        if key == "local.bridged-network":
            reply({"out": "<empty>\n"})
        if key.startswith("local.") and key.endswith(".bridged"):
            reply({"out": "false\n"})
        reply({"err": "get failed: Unrecognized settings key: '%s'\n" % key, "rc": 2})
    if cmd == "info":  # `multipass info --format json`: the listed instances, their state and IPv4s
        info = {i["name"]: {"ipv4": i.get("ipv4", []), "state": i.get("state", "Running"),
                            "release": i.get("release", "24.04 LTS")} for i in conf.get("instances", [])}
        reply({"out": json.dumps({"errors": [], "info": info}, indent=4) + "\n"})
    if cmd == "networks":  # one ethernet NIC, as `multipass networks --format json` prints it on Linux
        reply({"out": json.dumps({"list": [{"description": "Ethernet device", "name": "eth0",
                                            "type": "ethernet"}]}, indent=4) + "\n"})
    if cmd == "launch":
        spec = conf.get("launch", {})
        if spec.get("rc", 0) == 0 and conf.get("launched_flag"):
            open(conf["launched_flag"], "w").write(args[args.index("--name") + 1])
        reply(spec)
    if cmd == "delete":
        reply({})
    if cmd == "exec":
        k = args.index("--")
        name, inner = args[1], args[k + 1:]
        if inner[:3] != ["sh", "-c", GUARD] or inner[3] != "sh":
            reply({"err": "UNGUARDED EXEC " + " ".join(inner), "rc": 99})
        command = " ".join(inner[4:])
        for pattern, spec in conf.get("exec", []):
            if pattern in command:
                reply(spec)
        reply(conf.get("exec_default", {"err": "no canned output for " + command, "rc": 127}))
    if cmd == "shell":
        name = args[1]
        spec = conf.get("shell", {"prompt": True})
        if not spec.get("prompt"):
            reply({"err": spec.get("err", "shell failed: ssh connection failed: 'Failed to connect: No route to host'\n"), "rc": 2})
        sys.stdout.write("Welcome to Ubuntu 24.04.1 LTS\r\n\r\nubuntu@%s:~$ " % name); sys.stdout.flush()
        line = sys.stdin.readline()
        sys.stdout.write("logout\r\n"); sys.exit(0)
    # 1.16 knows no `zones` (or any other command not above): the real client's words, on stdout
    reply({"out": "Error: Unknown command or alias '%s' (try \"multipass help\" or \"multipass aliases\")\n" % cmd,
           "rc": 1})
''').lstrip()

ROUTES = [{"dst": "default", "gateway": "10.97.23.1", "dev": "eth0", "protocol": "dhcp", "metric": 100},
          {"dst": "10.97.23.0/24", "dev": "eth0", "protocol": "kernel", "scope": "link"}]
ADDRS = [{"ifindex": 1, "ifname": "lo", "flags": ["LOOPBACK", "UP"], "addr_info": [
              {"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
         {"ifindex": 2, "ifname": "eth0", "flags": ["UP"], "mtu": 1500, "addr_info": [
              {"family": "inet", "local": "10.97.23.5", "prefixlen": 24}]}]
PING_OK = ("PING x (x) 56(84) bytes of data.\n\n--- x ping statistics ---\n"
           "15 packets transmitted, 15 received, 0% packet loss, time 2800ms\n")
DIG_OK = (";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1\n"
          ";; ANSWER SECTION:\ngoogle.ie.\t\t300\tIN\tA\t198.51.100.80\n")
TLS_OK = ("SSL_connect:before SSL initialization\nSSL_connect:SSLv3/TLS write client hello\n"
          "SSL_connect:SSLv3/TLS read server hello\nSSL_connect:SSLv3/TLS write finished\nCONNECTED(00000003)\n"
          "---\nCertificate chain\n 0 s:CN = cloud-images.ubuntu.com\n   i:C = US, O = Let's Encrypt, CN = R11\n"
          "---\nVerify return code: 0 (ok)\n---\nDONE\n")
HEALTHY_EXEC = [
    ["ping -n -M do", {"out": "PING 10.97.23.1 (10.97.23.1) 1472(1500) bytes of data.\n1480 bytes from 10.97.23.1: "
                       "icmp_seq=1 ttl=64 time=0.1 ms\n\n--- 10.97.23.1 ping statistics ---\n"
                       "1 packets transmitted, 1 received, 0% packet loss, time 0ms\n"}],
    ["openssl s_client", {"out": TLS_OK}],
    ["ip -j -4 addr", {"out": json.dumps(ADDRS)}],
    ["ip -j route", {"out": json.dumps(ROUTES)}],
    ["ping", {"out": PING_OK}],
    ["dig", {"out": DIG_OK}],
    ["getent ahostsv4", {"out": "198.51.100.80   STREAM google.ie\n198.51.100.80   DGRAM\n"}],
    ["cat /etc/resolv.conf", {"out": "nameserver 10.97.23.1\n"}],
]
PRIMARY = {"name": "primary", "state": "Running", "ipv4": ["10.97.23.5"], "release": "Ubuntu 24.04 LTS"}


@pytest.fixture
def fake(tmp_path):
    """Write a fake multipass and return (configure(conf) -> env, log reader)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "multipass"
    exe.write_text(FAKE.replace("#!/usr/bin/env python3", f"#!{sys.executable}", 1))
    exe.chmod(0o755)
    conf_path, log_path = tmp_path / "conf.json", tmp_path / "calls.log"

    class Fake:
        def env(self, **conf):
            conf.setdefault("instances", [PRIMARY])
            conf.setdefault("exec", HEALTHY_EXEC)
            conf_path.write_text(json.dumps(conf))
            log_path.write_text("")
            return {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_MP_CONF": str(conf_path),
                    "FAKE_MP_LOG": str(log_path)}

        def calls(self):
            return [json.loads(ln) for ln in log_path.read_text().splitlines() if ln.strip()]

    return Fake()


FAST = {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": "/tmp/mpdiag-pycache"}


def suite(tmp_path, env, *args):
    return run_suite("tests_instance", "-p", "no:hypothesispytest", "--external-ip", "198.51.100.1",
                     "--external-dns", "198.51.100.53", *args, reports=tmp_path / "r", env={**FAST, **env},
                     timeout=120)


# ---- choosing the instance ---------------------------------------------------------------------

def test_invalid_instance_name_is_a_usage_error(tmp_path, fake):
    run = suite(tmp_path, fake.env(), "--instance", "bad_name!")
    assert run.rc == 4, run.stdout + run.stderr
    assert "bad_name!" in run.stderr and "--instance" in run.stderr
    assert fake.calls() == []  # refused before any command ran


def test_no_instance_skips_saying_how_to_pick_one(tmp_path, fake):
    run = suite(tmp_path, fake.env(instances=[]))
    outcomes = run.outcomes()
    assert outcomes.pop("instance.state.listed") == "passed"  # `multipass list` answered: no instance
    assert set(outcomes.values()) == {"skipped"}, outcomes
    msg = run.check("instance.dns.gateway")["message"]
    assert "--instance NAME" in msg and "--launch" in msg


def test_stopped_primary_is_not_started_for_you(tmp_path, fake):
    run = suite(tmp_path, fake.env(instances=[{**PRIMARY, "state": "Stopped", "ipv4": []}]))
    outcomes = run.outcomes()
    assert outcomes.pop("instance.state.listed") == "passed"
    assert set(outcomes.values()) == {"skipped"}
    assert "Stopped" in run.check("instance.net.ping_gateway")["message"]
    assert not [c for c in fake.calls() if c[0] in ("exec", "shell", "start")]


def test_healthy_attached_primary_passes_and_is_only_read(tmp_path, fake):
    run = suite(tmp_path, fake.env())
    outcomes = run.outcomes()
    assert outcomes.pop("instance.launch.gets_ip") == "skipped"
    assert outcomes.pop("instance.arp.extra_ips") == "skipped"  # attached, no extra IP: nothing to read
    assert outcomes.pop("instance.launch.dhcp_exchange") == "skipped"  # captured only with --launch
    assert outcomes.pop("instance.state.ip_current") == "skipped"  # the fake host keeps no dnsmasq leases file
    assert outcomes.pop("instance.bridged.nic_configured") == "skipped"  # `get local.primary.bridged`: false
    assert set(outcomes.values()) == {"passed"}, run.stdout[-3000:]
    assert run.diagnosis["environment"]["instance"] == "primary"
    for call in fake.calls():
        assert call[0] in ("version", "list", "info", "get", "networks", "zones", "exec", "shell"), call
        if call[0] == "exec":
            assert "addr add" not in " ".join(call) and "addr del" not in " ".join(call)


@pytest.mark.parametrize("ipv4", [["N/A"], []], ids=["1.16-N/A", "main-[]"])
def test_no_ip_in_both_formats_fails_state_and_skips_the_rest(tmp_path, fake, ipv4):
    run = suite(tmp_path, fake.env(instances=[{**PRIMARY, "ipv4": ipv4}]))
    state = run.check("instance.state.running_with_ip")
    assert state["outcome"] == "failed" and state["message"].startswith("instance.state.running_with_ip")
    assert "multipass restart primary" in state["message"]
    for cid in INSTANCE_IDS[2:]:
        rec = run.check(cid)
        assert rec["outcome"] == "skipped" and "prerequisite instance.state.running_with_ip failed" in rec["message"]
    assert run.diagnosis["triage"]["problem_class"] == "generic"
    assert not [c for c in fake.calls() if c[0] in ("exec", "shell")]


# ---- exec failures vs remote exit codes -------------------------------------------------------------

@pytest.mark.parametrize("rc", [2, 255], ids=["1.16-exit2", "main-exit255"])
def test_exec_failure_is_the_shell_checks_finding_not_a_cascade(tmp_path, fake, rc):
    failure = {"err": "exec failed: ssh connection failed: 'Failed to connect: No route to host'\n", "rc": rc}
    run = suite(tmp_path, fake.env(exec=[], exec_default=failure,
                                   shell={"prompt": False}))
    got = run.outcomes()
    assert got["instance.shell.reachable"] == "failed"
    assert "No route to host" in run.check("instance.shell.reachable")["message"]
    assert got["instance.state.running_with_ip"] == "passed"
    for cid in INSTANCE_IDS[3:]:
        assert got[cid] == "skipped", (cid, run.check(cid)["message"])
        assert "prerequisite instance.shell.reachable failed" in run.check(cid)["message"]
    assert run.diagnosis["triage"]["problem_class"] == "routing"


def test_remote_exit_2_is_data_not_an_exec_failure(tmp_path, fake):
    # getent exits 2 when the name does not resolve: the remote command's own code, no `exec failed:`
    exec_ = [e for e in HEALTHY_EXEC if e[0] != "getent ahostsv4"] + [["getent ahostsv4", {"rc": 2}]]
    run = suite(tmp_path, fake.env(exec=exec_))
    rec = run.check("instance.dns.resolver")
    assert rec["outcome"] == "failed", rec
    assert "nameserver 10.97.23.1" in rec["message"]


def test_unknown_remote_failure_is_an_error_not_a_pass(tmp_path, fake):
    exec_ = [["dig", {"rc": 1, "err": "dig: some internal error\n"}]] + HEALTHY_EXEC
    run = suite(tmp_path, fake.env(exec=exec_))
    assert run.outcomes()["instance.dns.gateway"] == "error"


def test_every_exec_is_guarded_against_exit_4(tmp_path, fake):
    suite(tmp_path, fake.env())
    execs = [c for c in fake.calls() if c[0] == "exec"]
    assert execs  # the fake refuses (rc 99) any exec without the guard
    for call in execs:
        k = call.index("--")
        assert call[k + 1:k + 4] == ["sh", "-c", exec_argv("x", ["true"])[6]]


def test_the_guard_turns_exit_4_into_104_and_passes_others():
    guard = exec_argv("x", ["true"])[4:8]  # sh -c GUARD sh
    for code, expected in ((0, 0), (1, 1), (2, 2), (4, 104), (9, 9)):
        rc = subprocess.run([*guard, "sh", "-c", f"exit {code}"]).returncode
        assert rc == expected and unwrap_exit(rc) == code


def test_info_all_only_where_needed():
    assert "--all" in info_argv((1, 12, 0)) and "--all" not in info_argv((1, 13, 0))
    assert "--all" not in info_argv((1, 16, 3)) and "--all" not in info_argv((1, 17, 0))
    assert "--all" not in info_argv(None)


# ---- launch ------------------------------------------------------------------------------------------

def _launched_name(calls):
    launch = next(c for c in calls if c[0] == "launch")
    return launch[launch.index("--name") + 1]


def test_launch_passes_and_is_deleted_and_purged(tmp_path, fake):
    env = fake.env(instances=[], launch={"out": "Launched: x\n"}, launched_flag=str(tmp_path / "launched"),
                   launched_instances=[PRIMARY], exec=[["addr add", {}], ["addr del", {}]] + HEALTHY_EXEC)
    run = suite(tmp_path, env, "--launch", "--launch-timeout", "20")
    calls = fake.calls()
    name = _launched_name(calls)
    assert name.startswith("mpdiag-") and len(name) == len("mpdiag-") + 6
    assert ["delete", "--purge", name] in calls
    assert run.outcomes()["instance.launch.gets_ip"] == "passed", run.stdout[-2000:]
    assert run.outcomes()["instance.state.running_with_ip"] == "passed", run.stdout[-2000:]
    assert run.diagnosis["environment"]["instance"] == name
    # the launched instance may be changed: the ARP check adds (and removes) its alias through exec
    execs = [" ".join(c) for c in calls if c[0] == "exec"]
    assert any("addr add" in e for e in execs) and any("addr del" in e for e in execs)


def test_failed_launch_fails_the_launch_check_and_still_deletes(tmp_path, fake):
    env = fake.env(instances=[], launch={
        "err": "launch failed: The following errors occurred:\nx: timed out waiting for response\n", "rc": 2})
    run = suite(tmp_path, env, "--launch", "--launch-timeout", "20")
    rec = run.check("instance.launch.gets_ip")
    assert rec["outcome"] == "failed" and "timed out waiting for response" in rec["message"], rec
    assert "multipass list" in rec["message"]  # the generic remedy's first command
    name = _launched_name(fake.calls())
    assert ["delete", "--purge", name] in fake.calls()
    assert run.outcomes()["instance.state.running_with_ip"] == "skipped"
    assert run.diagnosis["triage"]["problem_class"] == "generic"


def test_keep_leaves_the_instance(tmp_path, fake):
    env = fake.env(instances=[], launch={"err": "launch failed: boom\n", "rc": 2})
    run = suite(tmp_path, env, "--launch", "--keep", "--launch-timeout", "20")
    assert not [c for c in fake.calls() if c[0] == "delete"]
    assert "kept instance mpdiag-" in run.stdout


def test_keep_without_launch_is_a_usage_error(tmp_path, fake):
    assert suite(tmp_path, fake.env(), "--keep").rc == 4


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_launch_is_deleted(tmp_path, fake, sig):
    env = {**os.environ, **fake.env(instances=[], launch={"out": "Launched\n", "sleep": 30})}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--reports={tmp_path / 'r'}",
            "tests_instance", "--launch", "--launch-timeout", "60"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(c[0] == "launch" for c in fake.calls()):
        time.sleep(0.1)
    assert any(c[0] == "launch" for c in fake.calls()), "launch never started"
    time.sleep(0.3)
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=60)
    name = _launched_name(fake.calls())
    assert ["delete", "--purge", name] in fake.calls(), out[-2000:]
    # the launch child was killed with pytest's interruption, not left running
    assert proc.returncode != 0


def test_launch_with_replay_is_refused(tmp_path, fake):
    bundle = tmp_path / "b"
    (bundle / "probes").mkdir(parents=True)
    (bundle / "manifest.json").write_text(json.dumps({"format": 1, "platform": "linux"}))
    assert suite(tmp_path, fake.env(), "--replay", str(bundle), "--launch").rc == 4


# ---- replay ------------------------------------------------------------------------------------------

def _bundle(tmp_path, instances):
    bundle = tmp_path / "bundle"
    (bundle / "probes").mkdir(parents=True)
    (bundle / "manifest.json").write_text(json.dumps({"format": 1, "platform": "linux"}))
    (bundle / "probes" / "multipass_list.out").write_text(json.dumps({"list": [
        {**PRIMARY, "name": n} for n in instances]}))
    for n in instances:
        d = bundle / "instances" / n / "probes"
        d.mkdir(parents=True)
        (d / "ip_route.out").write_text(json.dumps(ROUTES))
        (d / "ip_addr.out").write_text(json.dumps(ADDRS))
        (d / "ping_gateway.out").write_text(PING_OK)
    return bundle


def test_replay_without_instances_skips(tmp_path):
    bundle = _bundle(tmp_path, [])
    run = run_suite("tests_instance", "--replay", str(bundle), reports=tmp_path / "r")
    outcomes = run.outcomes()
    assert outcomes.pop("instance.state.listed") in ("passed", "skipped")
    assert set(outcomes.values()) == {"skipped"}
    assert "no instance recorded in the bundle" in run.check("instance.net.ping_gateway")["message"]


def test_replay_picks_the_only_instance_and_honours_instance(tmp_path):
    bundle = _bundle(tmp_path, ["foo"])
    run = run_suite("tests_instance", "--replay", str(bundle), reports=tmp_path / "r")
    assert run.outcomes()["instance.net.ping_gateway"] == "passed"
    assert run.diagnosis["environment"]["instance"] == "foo"
    run = run_suite("tests_instance", "--replay", str(bundle), "--instance", "bar", reports=tmp_path / "r2")
    assert "not recorded in the bundle" in run.check("instance.net.ping_gateway")["message"]
    # not recorded probes skip, they never pass
    assert run_suite("tests_instance", "--replay", str(bundle), reports=tmp_path / "r3").outcomes()[
        "instance.dns.gateway"] == "skipped"
