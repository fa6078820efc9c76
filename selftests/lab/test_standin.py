"""The multipass stand-in: exact 1.16.3 output shapes, exit codes, exec/shell/launch/delete."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from lab.testing import unavailable_reason  # noqa: E402

if (_why := unavailable_reason()) is not None:
    pytest.skip(_why, allow_module_level=True)

pytestmark = pytest.mark.lab


def mp(env, *args, input=None, **extra_env):
    return subprocess.run(["multipass", *args], capture_output=True, text=True, input=input, timeout=30,
                          env={**env, **extra_env})


def load_standin():
    from lab import multipass_cli

    return multipass_cli


def test_pretty_print_matches_qt():
    pretty = load_standin().pretty
    assert pretty({"list": []}) + "\n" == '{\n    "list": [\n    ]\n}\n'
    assert pretty({"b": {}, "a": [1.0, 0.16]}) == '{\n    "a": [\n        1,\n        0.16\n    ],\n    "b": {\n    }\n}'


def test_version(standin_env):
    cp = mp(standin_env, "version", "--format", "json")
    assert (cp.returncode, cp.stdout) == (0, '{\n    "multipass": "1.16.3",\n    "multipassd": "1.16.3"\n}\n')
    assert mp(standin_env, "version").stdout == "multipass   1.16.3\nmultipassd  1.16.3\n"
    down = mp(standin_env, "version", "--format", "json", MPLAB_DAEMON_DOWN="1")
    assert (down.returncode, down.stdout) == (0, '{\n    "multipass": "1.16.3"\n}\n')


def test_daemon_down(standin_env):
    cp = mp(standin_env, "list", "--format", "json", MPLAB_DAEMON_DOWN="1")
    assert cp.returncode == 2 and cp.stdout == ""
    assert cp.stderr == ("list failed: cannot connect to the multipass socket\nPlease ensure multipassd is running "
                         "and '/var/snap/multipass/common/multipass_socket' is accessible\n")
    cp = mp(standin_env, "get", "local.driver", MPLAB_DAEMON_DOWN="1")
    assert (cp.returncode, cp.stderr) == (2, "get failed: cannot connect to the multipass socket\n")


def test_get_driver(standin_env):
    assert mp(standin_env, "get", "local.driver").stdout == "qemu\n"
    assert mp(standin_env, "get", "local.driver", MPLAB_DRIVER="lxd").stdout == "lxd\n"


def listed_ipv4(lab, name: str) -> list[str]:
    """What Multipass lists for an instance: its management address first, then the guest's
    others in kernel order (primary's NIC bridged onto the LAN has one)."""
    ip = lab.state.instances[name].ip
    cp = lab.run_in(name, ["ip", "-j", "-4", "addr", "show", "scope", "global"])
    addrs = [a["local"] for link in json.loads(cp.stdout or "[]") for a in link.get("addr_info", [])]
    return [ip] + [a for a in addrs if a != ip]


def _json_ips(ips: list[str]) -> str:
    return ",\n".join(f'                "{ip}"' for ip in ips)


def test_list_json_exact(standin_env, linux_lab):
    p, s = listed_ipv4(linux_lab, "primary"), listed_ipv4(linux_lab, "second")
    assert len(p) == 2 and len(s) == 1, (p, s)  # primary is bridged onto the LAN
    cp = mp(standin_env, "list", "--format", "json")
    assert cp.returncode == 0
    assert cp.stdout == (
        '{\n    "list": [\n'
        f'        {{\n            "ipv4": [\n{_json_ips(p)}\n            ],\n'
        '            "name": "primary",\n            "release": "Ubuntu 24.04 LTS",\n'
        '            "state": "Running"\n        },\n'
        f'        {{\n            "ipv4": [\n{_json_ips(s)}\n            ],\n'
        '            "name": "second",\n            "release": "Ubuntu 24.04 LTS",\n'
        '            "state": "Running"\n        }\n    ]\n}\n')
    csv = mp(standin_env, "list", "--format", "csv").stdout.splitlines()
    assert csv[0] == "Name,State,IPv4,IPv6,Release,AllIPv4"
    assert csv[1] == f'primary,Running,{p[0]},,Ubuntu 24.04 LTS,"{",".join(p)}"'


def test_list_shows_alias_after_management_ip(standin_env, linux_lab):
    st = linux_lab.state
    alias = f"{st.subnet_prefix}.201"
    linux_lab.add_alias("primary", alias)
    try:
        data = json.loads(mp(standin_env, "list", "--format", "json").stdout)
        assert data["list"][0]["ipv4"][0] == st.instances["primary"].ip and alias in data["list"][0]["ipv4"]
        assert data["list"][0]["ipv4"] == listed_ipv4(linux_lab, "primary")
    finally:
        linux_lab.remove_alias("primary", alias)


def test_info(standin_env, linux_lab):
    cp = mp(standin_env, "info", "--format", "json")
    info = json.loads(cp.stdout)
    assert cp.returncode == 0 and info["errors"] == [] and set(info["info"]) == {"primary", "second"}
    prim = info["info"]["primary"]
    assert list(prim) == sorted(prim)
    assert set(prim) == {"cpu_count", "disks", "image_hash", "image_release", "ipv4", "load", "memory", "mounts",
                         "release", "snapshot_count", "state"}
    assert prim["ipv4"] == listed_ipv4(linux_lab, "primary") and isinstance(prim["cpu_count"], str)
    assert '"errors": [\n    ],' in cp.stdout and '"mounts": {\n            },' in cp.stdout
    allw = mp(standin_env, "info", "--all", "--format", "json")
    assert allw.returncode == 0 and "the `--all` flag for the `info` command is deprecated" in allw.stderr
    bad = mp(standin_env, "info", "foo", "--format", "json")
    assert (bad.returncode, bad.stderr) == (2, 'info failed: The following errors occurred:\n'
                                               'instance "foo" does not exist\n')


def test_exec(standin_env, tmp_path):
    cp = mp(standin_env, "exec", "primary", "--", "sh", "-c", "read x; echo out:$x; echo err >&2; exit 7",
            input="hello\n")
    assert (cp.returncode, cp.stdout, cp.stderr) == (7, "out:hello\n", "err\n")
    assert mp(standin_env, "exec", "primary", "--", "hostname").stdout == "primary\n"
    bad = mp(standin_env, "exec", "nope", "--", "true")
    assert bad.returncode == 2 and bad.stderr.startswith("exec failed: ") and 'instance "nope" does not exist' \
        in bad.stderr
    counter = tmp_path / "runs"
    four = mp(standin_env, "exec", "primary", "--", "sh", "-c", f"echo x >> {counter}; exit 4")
    assert four.returncode == 4 and len(counter.read_text().split()) == 3   # re-run like 1.16, but bounded


def test_exec_without_ip_and_unreachable(standin_env, linux_lab):
    linux_lab.fault("dhcp-stop")
    try:
        data = mp(standin_env, "list", "--format", "json").stdout
        assert '"ipv4": [\n                "N/A"\n            ],' in data
        cp = mp(standin_env, "exec", "primary", "--", "true", MPLAB_IP_WAIT="0.3")
        assert (cp.returncode, cp.stderr) == (2, "exec failed: Could not determine IP address within 120000ms\n")
        launch = mp(standin_env, "launch", "--name", "doomed", "--timeout", "1")
        assert launch.returncode == 2
        assert launch.stderr == "launch failed: The following errors occurred:\ndoomed: timed out waiting for response\n"
        doomed = [i for i in json.loads(mp(standin_env, "list", "--format", "json").stdout)["list"]
                  if i["name"] == "doomed"][0]
        assert doomed == {"ipv4": [], "name": "doomed", "release": "Ubuntu 24.04 LTS", "state": "Unknown"}
        assert mp(standin_env, "delete", "--purge", "doomed").returncode == 0
    finally:
        linux_lab.heal()
    linux_lab.fault("bridge-down")
    try:
        cp = mp(standin_env, "exec", "primary", "--", "true")
        assert (cp.returncode, cp.stderr) == (2, "exec failed: ssh connection failed: "
                                                 "'Failed to connect: No route to host'\n")
    finally:
        linux_lab.heal()
    assert mp(standin_env, "exec", "primary", "--", "true").returncode == 0


def test_launch_and_delete(standin_env, linux_lab):
    cp = mp(standin_env, "launch", "--name", "extra")
    assert (cp.returncode, cp.stdout) == (0, "Launched: extra\n")
    st = linux_lab.state
    ip = st.instances["extra"].ip
    assert ip and mp(standin_env, "exec", "extra", "--", "ping", "-c1", "-W1", st.external_ip).returncode == 0
    anon = mp(standin_env, "launch")
    name = anon.stdout.split()[-1]
    assert anon.returncode == 0 and "-" in name
    assert mp(standin_env, "delete", "extra").returncode == 0
    entry = [i for i in json.loads(mp(standin_env, "list", "--format", "json").stdout)["list"] if i["name"] == "extra"]
    assert entry[0]["state"] == "Deleted" and entry[0]["ipv4"] == []
    assert mp(standin_env, "purge").returncode == 0
    assert mp(standin_env, "delete", "--purge", name).returncode == 0
    assert set(linux_lab.state.instances) == {"primary", "second"}
    prefix = linux_lab.state.instance_prefix
    assert not Path(f"/run/netns/{prefix}extra").exists() and not Path(f"/run/netns/{prefix}{name}").exists()
    assert mp(standin_env, "launch", "--name", "9bad").returncode == 2


def test_shell(standin_env):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn("multipass", ["shell", "primary"], env={**standin_env, "TERM": "dumb"},
                          encoding="utf-8", timeout=10)
    child.expect("Welcome to Ubuntu")
    child.expect(r"ubuntu@primary:.*\$ ")
    child.sendline("hostname; exit 3")
    child.expect("primary")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0   # 1.16: always 0 after a session
